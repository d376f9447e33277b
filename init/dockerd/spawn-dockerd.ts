import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

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
  logPath: string;
  /** Also copy each log line here (od.debug). */
  echo?: (line: string) => void;
}

/** Writes a stream to a file descriptor, and line by line to `echo`. */
function tee(stream: Readable, fd: number, echo: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    try {
      writeSync(fd, chunk);
    } catch {
      // a full disk must not take the console copy down with it
    }
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) echo(`dockerd: ${line}`);
  });
}

/**
 * Starts dockerd with its output appended to the log file. Without echo, the child
 * writes to the file itself and the init is not in the log's path at all; with echo,
 * the init copies the pipes to both places.
 */
export function spawnDockerd(options: SpawnDockerdOptions): DockerdHandle {
  try {
    accessSync(options.binary, fsConstants.X_OK);
  } catch (cause) {
    throw new DockerdSpawnError(`${options.binary} is missing or not executable`, { cause });
  }
  mkdirSync(dirname(options.logPath), { recursive: true });
  const logFd = openSync(options.logPath, 'a', 0o640);

  let child: ChildProcess;
  try {
    child = spawn(options.binary, options.args, {
      env: dockerdEnvironment(),
      stdio: options.echo ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
    });
  } catch (cause) {
    closeSync(logFd);
    throw new DockerdSpawnError(`cannot start ${options.binary}: ${(cause as Error).message}`, { cause });
  }
  if (options.echo) {
    tee(child.stdout!, logFd, options.echo);
    tee(child.stderr!, logFd, options.echo);
  } else {
    closeSync(logFd);
  }

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
