import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { LineSplitter } from '../logs/line-splitter.ts';

export const dockerdPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * dockerd's whole environment: nothing leaks in from the kernel's environment for init
 * (which also carries unknown `key=value` boot parameters). DOCKER_RAMDISK makes
 * dockerd's runtime use chroot instead of pivot_root, which fails on the initramfs root.
 */
export function dockerdEnvironment(): NodeJS.ProcessEnv {
  return { PATH: dockerdPath, DOCKER_RAMDISK: '1', HOME: '/' };
}

export class DockerdSpawnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerdSpawnError';
  }
}

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
  binary: string;
  args: string[];
  /**
   * Each line dockerd prints on stdout or stderr (and containerd, which dockerd starts
   * with the same descriptors): the init keeps them (rotated file, console), so the
   * daemon never writes to a file that grows without bound.
   */
  onLine: (line: string) => void;
}

/** Lines from a pipe; a stream of its own per pipe, so stdout and stderr never mix mid-line. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  const splitter = new LineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  // containerd may keep the pipes after dockerd died; they end when the last writer goes.
  stream.once('end', () => splitter.end());
  stream.on('error', () => splitter.end());
}

/** Starts dockerd with its output on pipes that the init reads line by line. */
export function spawnDockerd(options: SpawnDockerdOptions): DockerdHandle {
  try {
    accessSync(options.binary, fsConstants.X_OK);
  } catch (cause) {
    throw new DockerdSpawnError(`${options.binary} is missing or not executable`, { cause });
  }

  let child: ChildProcess;
  try {
    child = spawn(options.binary, options.args, {
      env: dockerdEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (cause) {
    throw new DockerdSpawnError(`cannot start ${options.binary}: ${(cause as Error).message}`, { cause });
  }
  readLines(child.stdout!, options.onLine);
  readLines(child.stderr!, options.onLine);

  const controller = new AbortController();
  const exited = new Promise<DockerdExit>((resolve) => {
    child.once('error', (error) => {
      controller.abort(`dockerd could not run: ${error.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      controller.abort(`dockerd exited (${signal ? `signal ${signal}` : `code ${code}`})`);
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
