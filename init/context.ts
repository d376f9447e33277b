import type { BootConsole } from './console.ts';
import type { InitConfig } from './config/options.ts';
import type { DockerdHandle } from './dockerd/spawn-dockerd.ts';
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
  /** Set by startDockerd. */
  dockerd?: DockerdHandle;
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
