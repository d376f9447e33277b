import type { BootConsole } from './console.ts';
import type { InitConfig } from './config/options.ts';
import type { BridgeState } from './bridge/create-bridge.ts';
import type { DockerdSupervisor } from './dockerd/dockerd-supervisor.ts';
import type { DockerdHandle } from './dockerd/spawn-dockerd.ts';
import type { InitLog } from './logs/init-log.ts';
import type { Supervised } from './supervise/supervised.ts';
import type { StorageState } from './storage/storage-state.ts';
import type { Sys } from './sys/sys.ts';
import type { TlsState } from './tls/tls-state.ts';

/**
 * Paths the steps read and write. Real boots use `defaultPaths`; unit tests point them
 * into a temporary directory.
 */
export interface BootPaths {
  procCmdline: string;
  procModules: string;
  /** Loaded and built-in modules have a directory here. */
  sysModule: string;
  modulesRoot: string;
  procSelfOomScoreAdj: string;
  dockerdBinary: string;
  dockerSocket: string;
  dockerLog: string;
  /** The init's own lines, with times (startLogging). */
  initLog: string;
  /** The boot timeline (steps and milestones) as JSON, rewritten as the boot goes. */
  bootTimeline: string;
  /** Bundled `docker save` archives and their index.json (builder: BUNDLED_IMAGES_DIR). */
  bundledImagesDir: string;
  /** Where the DHCP container publishes lease.json and resolv.conf; /etc/resolv.conf links here. */
  netStateDir: string;
  sysClassNet: string;
  /** The docker CLI: runs the consoles, and is mounted into them. */
  dockerCli: string;
  busybox: string;
  /** Terminal devices (ttyS0, tty1...) are looked for here. */
  devDir: string;
  procSysKernelPrintk: string;
  /**
   * The remote API's certificates (ca/, server/, client/ as in the dind image). Under
   * /var/lib/docker: on the DOCKER disk when there is one (kept across reboots), and
   * visible in the console, which mounts /var/lib/docker at the same path.
   */
  tlsDir: string;
  procSelfMountinfo: string;
  /** virtio-9p devices bound to their driver; run.sh's certificate share is one. */
  virtio9pDriver: string;
  /** Where that share is mounted while the client certificates are copied. */
  certShareMount: string;
}

export const defaultPaths: BootPaths = {
  procCmdline: '/proc/cmdline',
  procModules: '/proc/modules',
  sysModule: '/sys/module',
  modulesRoot: '/lib/modules',
  procSelfOomScoreAdj: '/proc/self/oom_score_adj',
  // Debian's docker.io installs the daemon in /usr/sbin.
  dockerdBinary: '/usr/sbin/dockerd',
  dockerSocket: '/var/run/docker.sock',
  dockerLog: '/var/log/docker.log',
  initLog: '/var/log/only-docker-init.log',
  bootTimeline: '/run/only-docker/boot-timeline.json',
  bundledImagesDir: '/usr/share/only-docker/images',
  netStateDir: '/run/only-docker/net',
  sysClassNet: '/sys/class/net',
  dockerCli: '/usr/bin/docker',
  busybox: '/bin/busybox',
  devDir: '/dev',
  procSysKernelPrintk: '/proc/sys/kernel/printk',
  tlsDir: '/var/lib/docker/.only-docker/tls',
  procSelfMountinfo: '/proc/self/mountinfo',
  virtio9pDriver: '/sys/bus/virtio/drivers/9pnet_virtio',
  certShareMount: '/run/only-docker/cert-share',
};

/** State shared by the steps; a step reads what earlier steps left here. */
export interface BootContext {
  readonly console: BootConsole;
  readonly sys: Sys;
  readonly paths: BootPaths;
  /** uname -r, from os.release(). */
  readonly kernelRelease: string;
  /** Defaults until readConfig replaces it with the kernel command line's values. */
  config: InitConfig;
  /** Set by mountDockerDisk: the DOCKER disk and its bind mounts, or RAM mode and why. */
  storage?: StorageState;
  /** Set by startDockerd; the current dockerd (replaced when the supervisor restarts it). */
  dockerd?: DockerdHandle;
  /**
   * Set by startDockerd: restarts dockerd when it dies. Shutdown calls its stop() (or
   * disableRestart()) first, so nothing starts dockerd again behind its back.
   */
  dockerdSupervisor?: DockerdSupervisor;
  /** Set by createBridge when od.bridge names a bridge to make. */
  bridge?: BridgeState;
  /** The init's log file, started by startLogging once od.log is known. */
  initLog?: InitLog;
  /** performance.now() when the boot began: event times that form a timeline count from here. */
  bootStartedAt?: number;
  /** Long-lived children started by steps (consoles, the VT2 shell); PID 1 keeps them after the plan. */
  supervised?: Supervised[];
  /** Set by prepareTls when od.remote=tls and the certificates are in place. */
  tls?: TlsState;
}

/** What a step returns when it decided there was nothing to do. */
export interface StepSkipped {
  skipped: string;
}

export interface Step {
  /** camelCase; also the name in the console events. */
  readonly name: string;
  /** A failed required step stops the boot and drops to the emergency shell. */
  readonly required: boolean;
  run(ctx: BootContext): Promise<void | StepSkipped> | void | StepSkipped;
}
