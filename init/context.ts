import { readFileSync } from 'node:fs';
import {
  BUNDLED_IMAGES_DIR,
  BUSYBOX_PATH,
  CONTAINERD_PATH,
  DOCKER_CLI_PATH,
  DOCKERD_PATH,
  MODULES_ROOT,
  NET_STATE_DIR,
  SYSTEM_IMAGE_MOUNT,
  SYSTEM_IMAGE_PATH,
} from '../contract/initrd-layout.ts';
import { containerdPaths, type ContainerdPaths } from './containerd/containerd-config.ts';
import type { ContainerdService } from './containerd/containerd-service.ts';
import type { BootConsole } from './console.ts';
import type { PlanStep } from './runner.ts';
import type { InitConfig } from './config/init-config.ts';
import type { BridgeState } from './bridge/bridge.ts';
import type { DockerdSupervisor } from './dockerd/dockerd-supervisor.ts';
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
  /** The filesystems the kernel can mount (built in or loaded). */
  procFilesystems: string;
  /** The system image file (the initrd's second segment) and where it is mounted. */
  systemImage: string;
  systemImageMount: string;
  procSelfOomScoreAdj: string;
  dockerdBinary: string;
  dockerSocket: string;
  containerdBinary: string;
  containerd: ContainerdPaths;
  dockerLog: string;
  /** The init's own lines, with times (startLogging). */
  initLog: string;
  /** The boot timeline (steps and milestones) as JSON, rewritten as the boot goes. */
  bootTimeline: string;
  /** Bundled `docker save` archives and their index.json (contract/image-index.ts). */
  bundledImagesDir: string;
  /** Where the DHCP container publishes lease.json; the init's resolv.conf lies beside it (resolvConfPath). */
  netStateDir: string;
  sysClassNet: string;
  /** The docker CLI: runs the consoles, and is mounted into them. */
  dockerCli: string;
  /** The CLI's plugins (compose, buildx), mounted into the consoles beside the CLI. */
  dockerCliPlugins: string;
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
  /** The effective configuration as JSON, for people (readUserConfig). */
  effectiveConfig: string;
  /** dockerd's daemon.json, from the configuration's docker.daemon (startDockerd). */
  daemonJson: string;
  /**
   * The SSH server's host keys. Under /var/lib/docker: on the DOCKER disk when there is
   * one (kept across reboots), made again at each boot in RAM mode.
   */
  sshHostKeyDir: string;
  /** The configuration's ssh.authorized_keys as the init writes them, bound read-only into the SSH server. */
  sshAuthorizedKeys: string;
  /** root's ~/.ssh on the host (the consoles bind /root): where the authorized keys' mount point is made. */
  rootSshDir: string;
}

export const defaultPaths: BootPaths = {
  procCmdline: '/proc/cmdline',
  procModules: '/proc/modules',
  sysModule: '/sys/module',
  modulesRoot: MODULES_ROOT,
  procFilesystems: '/proc/filesystems',
  systemImage: SYSTEM_IMAGE_PATH,
  systemImageMount: SYSTEM_IMAGE_MOUNT,
  procSelfOomScoreAdj: '/proc/self/oom_score_adj',
  dockerdBinary: DOCKERD_PATH,
  dockerSocket: '/var/run/docker.sock',
  containerdBinary: CONTAINERD_PATH,
  containerd: containerdPaths,
  dockerLog: '/var/log/docker.log',
  initLog: '/var/log/only-docker-init.log',
  bootTimeline: '/run/only-docker/boot-timeline.json',
  bundledImagesDir: BUNDLED_IMAGES_DIR,
  netStateDir: NET_STATE_DIR,
  sysClassNet: '/sys/class/net',
  dockerCli: DOCKER_CLI_PATH,
  // Where Debian's docker-compose and docker-buildx install their plugins.
  dockerCliPlugins: '/usr/libexec/docker/cli-plugins',
  busybox: BUSYBOX_PATH,
  devDir: '/dev',
  procSysKernelPrintk: '/proc/sys/kernel/printk',
  tlsDir: '/var/lib/docker/.only-docker/tls',
  procSelfMountinfo: '/proc/self/mountinfo',
  virtio9pDriver: '/sys/bus/virtio/drivers/9pnet_virtio',
  certShareMount: '/run/only-docker/cert-share',
  effectiveConfig: '/run/only-docker/config.json',
  daemonJson: '/run/only-docker/daemon.json',
  sshHostKeyDir: '/var/lib/docker/.only-docker/ssh',
  sshAuthorizedKeys: '/run/only-docker/ssh/authorized_keys',
  rootSshDir: '/root/.ssh',
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
  /**
   * Set by startDockerd: restarts dockerd when it dies; its `current` is the running
   * dockerd. Shutdown calls its stop() (or disableRestart()) first, so nothing starts
   * dockerd again behind its back.
   */
  dockerdSupervisor?: DockerdSupervisor;
  /** Set by startDockerd before dockerd: the containerd dockerd connects to (--containerd). */
  containerd?: ContainerdService;
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
  /** /proc/cmdline as first read (kernelCommandLine): the command line does not change. */
  kernelCmdline?: string;
}

/** The kernel command line, read once per boot: readConfig and readUserConfig both parse it. */
export function kernelCommandLine(ctx: BootContext): string {
  return (ctx.kernelCmdline ??= readFileSync(ctx.paths.procCmdline, 'utf8'));
}

/** A step of the boot plan (plan.ts). */
export type Step = PlanStep<BootContext>;
