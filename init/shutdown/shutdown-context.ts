import type { BootConsole } from '../console.ts';
import type { DockerdHandle } from '../dockerd/spawn-dockerd.ts';
import type { StorageState } from '../storage/storage-state.ts';
import type { Sys } from '../sys/sys.ts';
import type { ShutdownRequest } from './actions.ts';

/**
 * What shutdown needs from the booted system. The BootContext has all of it; this is
 * the narrow view, so the shutdown steps can be tested with small fakes.
 */
export interface BootedSystem {
  /** Its `current` is the running dockerd. */
  dockerdSupervisor?: { disableRestart(): void; readonly current: DockerdHandle | undefined };
  /** The containerd the init runs beside dockerd: stopped after it. */
  containerd?: { disableRestart(): void; readonly running: boolean; stop(options: { graceMs?: number }): Promise<{ signal: NodeJS.Signals | null } | undefined> };
  /** Consoles and the VT2 shell: stop() ends respawning and the child. */
  supervised?: ReadonlyArray<{ readonly name: string; stop(): Promise<void> }>;
  storage?: StorageState;
}

export interface ShutdownPaths {
  dockerSocket: string;
  proc: string;
  /** Docker's containers' cgroups with the cgroupfs driver on cgroup v2. */
  dockerCgroup: string;
  mountinfo: string;
  /** The init's own open files, to let go of those on the disk before unmounting. */
  selfFd: string;
  devNull: string;
}

export const defaultShutdownPaths: ShutdownPaths = {
  dockerSocket: '/var/run/docker.sock',
  proc: '/proc',
  dockerCgroup: '/sys/fs/cgroup/docker',
  mountinfo: '/proc/self/mountinfo',
  selfFd: '/proc/self/fd',
  devNull: '/dev/null',
};

export interface ShutdownTiming {
  /** od.shutdown.timeout: how long containers get to stop before they are killed. */
  graceMs: number;
  /** After the containers: how long dockerd gets to finish before SIGKILL. */
  dockerdGraceMs: number;
  /** Processes left after dockerd: SIGTERM, then SIGKILL after this. */
  killGraceMs: number;
  /** How long supervisors get to stop their children. */
  supervisionGraceMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ShutdownContext {
  readonly console: BootConsole;
  readonly sys: Sys;
  readonly request: ShutdownRequest;
  readonly system: BootedSystem;
  /** The emergency shell: no respawns once shutdown begins. */
  readonly emergencyShell?: { stop(): void };
  readonly paths: ShutdownPaths;
  readonly timing: ShutdownTiming;
  /** The pid of the init itself (1), never signalled. */
  readonly selfPid: number;
}

/** The dockerd to stop, if one is running. */
export function runningDockerd(system: BootedSystem): DockerdHandle | undefined {
  const handle = system.dockerdSupervisor?.current;
  if (!handle || handle.gone.aborted || handle.child.exitCode !== null || handle.child.signalCode !== null) return undefined;
  return handle;
}
