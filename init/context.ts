import type { BootConsole } from './console.ts';
import type { InitConfig } from './config/options.ts';
import type { BridgeState } from './bridge/create-bridge.ts';
import type { DockerdSupervisor } from './dockerd/dockerd-supervisor.ts';
import type { DockerdHandle } from './dockerd/spawn-dockerd.ts';
import type { InitLog } from './logs/init-log.ts';
import type { Sys } from './sys/sys.ts';

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
  sysClassNet: string;
  busybox: string;
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
  sysClassNet: '/sys/class/net',
  busybox: '/bin/busybox',
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
