import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { LineSplitter } from '../logs/line-splitter.ts';
import { OdError } from '../../contract/errors.ts';

export const dockerdPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * dockerd's whole environment: nothing leaks in from the kernel's environment for init
 * (which also carries unknown `key=value` boot parameters). DOCKER_RAMDISK makes
 * dockerd's runtime use chroot instead of pivot_root, which fails on the initramfs root.
 */
export function dockerdEnvironment(root: 'initramfs' | 'pivotable' = 'initramfs'): NodeJS.ProcessEnv {
  return root === 'initramfs' ? { PATH: dockerdPath, DOCKER_RAMDISK: '1', HOME: '/' } : { PATH: dockerdPath, HOME: '/' };
}

export class DockerdSpawnError extends OdError {}

export interface DockerdExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DockerdHandle {
  child: ChildProcess;
  pid: number;
  /** Aborted when dockerd exits or cannot run; the reason says how. */
  gone: AbortSignal;
  exited: Promise<DockerdExit>;
}

export interface SpawnDockerdOptions {
  /** For messages: dockerd by default; containerd, which the init starts beside it, too. */
  name?: string;
  binary: string;
  args: string[];
  /**
   * Each line dockerd prints on stdout or stderr (and containerd, which dockerd starts
   * with the same descriptors): the init keeps them (rotated file, console), so the
   * daemon never writes to a file that grows without bound.
   */
  onLine: (line: string) => void;
  /** Where dockerd's root is: the initramfs (no pivot_root) by default; a container's root can pivot. */
  root?: 'initramfs' | 'pivotable';
  /** Added to the environment (the configuration's docker.env: HTTP_PROXY and the like); PATH and DOCKER_RAMDISK stay the init's. */
  extraEnv?: Readonly<Record<string, string>>;
}

/** Lines from a pipe; a stream of its own per pipe, so stdout and stderr never mix mid-line. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  const splitter = new LineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  // containerd may keep the pipes after dockerd died; they end when the last writer goes.
  stream.once('end', () => splitter.end());
  stream.on('error', () => splitter.end());
}

const busyTextRetryMs = 100;
const busyTextAttempts = 50;

/**
 * Spawns, trying again for up to 5 s while exec(2) says ETXTBSY. Seen at boot on Debian
 * 13's kernel under emulation: the kernel's initramfs unpacker closes the files it wrote
 * through a deferred fput, and a busy machine can reach dockerd's exec before the last
 * close of its 75 MB binary ran. The wait is synchronous because the supervisor's spawn
 * is; it only ever happens on that rare error.
 */
export function spawnRetryingBusyText(start: () => ChildProcess, attempts = busyTextAttempts): ChildProcess {
  for (let attempt = 1; ; attempt++) {
    try {
      return start();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ETXTBSY' || attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, busyTextRetryMs);
    }
  }
}

/**
 * Starts dockerd (or containerd: the same kind of daemon, with the same environment)
 * with its output on pipes that the init reads line by line.
 */
export function spawnDockerd(options: SpawnDockerdOptions): DockerdHandle {
  const name = options.name ?? 'dockerd';
  try {
    accessSync(options.binary, fsConstants.X_OK);
  } catch (cause) {
    throw new DockerdSpawnError(`${options.binary} is missing or not executable`, { cause });
  }

  let child: ChildProcess;
  try {
    child = spawnRetryingBusyText(() =>
      spawn(options.binary, options.args, {
        env: { ...options.extraEnv, ...dockerdEnvironment(options.root) },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  } catch (cause) {
    throw new DockerdSpawnError(`cannot start ${options.binary}: ${(cause as Error).message}`, { cause });
  }
  readLines(child.stdout!, options.onLine);
  readLines(child.stderr!, options.onLine);

  const controller = new AbortController();
  const exited = new Promise<DockerdExit>((resolve) => {
    child.once('error', (error) => {
      controller.abort(`${name} could not run: ${error.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      controller.abort(`${name} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) {
    throw new DockerdSpawnError(`cannot start ${options.binary}`);
  }
  return { child, pid: child.pid, gone: controller.signal, exited };
}

/** The kernel kills higher scores first: containers before dockerd, never the init. */
export function setOomScoreAdj(pid: number | 'self', score: number): void {
  writeFileSync(`/proc/${pid}/oom_score_adj`, `${score}\n`);
}
