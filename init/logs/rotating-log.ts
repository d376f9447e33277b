import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const defaultMaxBytes = 5 * 1024 * 1024;
/** The current file and two rotated ones: `docker.log`, `docker.log.1`, `docker.log.2`. */
export const defaultFiles = 3;

export interface RotatingLogOptions {
  path: string;
  /** A file is rotated before a write would take it past this size. */
  maxBytes?: number;
  /** How many files are kept, the current one included. */
  files?: number;
  mode?: number;
  /**
   * How often (at most) a write checks that the path still names the open file. The
   * storage step may mount the DOCKER disk's log directory over /var/log after a log
   * was opened: the next write after that lands in the new file.
   */
  checkEveryMs?: number;
  /**
   * When the path moved to another file system (a mount over /var/log), copy what this
   * boot wrote to the old file into the new one, so the persistent log has the whole
   * boot and not just its end.
   */
  carryOver?: boolean;
  /** Told once per kind of failure (full disk, read-only file system); the log then drops lines. */
  onError?: (message: string) => void;
  now?: () => number;
}

/**
 * A log file that rotates itself by size: `log` → `log.1` → `log.2`, the oldest is
 * dropped. Writes are synchronous and go straight to the file, so nothing piles up in
 * the init's memory, and /var/log in RAM (no disk) holds at most files × maxBytes per
 * log. The file is opened at the first write, not before: a log that nobody writes
 * never appears.
 */
export class RotatingLog {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #files: number;
  readonly #mode: number;
  readonly #checkEveryMs: number;
  readonly #carryOver: boolean;
  readonly #onError: (message: string) => void;
  readonly #now: () => number;
  #fd: number | undefined;
  #size = 0;
  #lastCheck = 0;
  #failedAt: number | undefined;
  readonly #reported = new Set<string>();
  rotations = 0;

  constructor(options: RotatingLogOptions) {
    this.path = options.path;
    this.#maxBytes = options.maxBytes ?? defaultMaxBytes;
    this.#files = Math.max(1, options.files ?? defaultFiles);
    this.#mode = options.mode ?? 0o640;
    this.#checkEveryMs = options.checkEveryMs ?? 1000;
    this.#carryOver = options.carryOver ?? true;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
  }

  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length === 0) return;
    try {
      this.#ensureOpen();
      if (this.#fd === undefined) return;
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
      this.#writeAll(bytes);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Closes the file; the next write opens the path again (whatever it names by then). */
  reopen(): void {
    this.#close();
  }

  close(): void {
    this.#close();
  }

  #ensureOpen(): void {
    const now = this.#now();
    if (this.#fd === undefined) {
      // After a failure, try again once a check interval has passed, not on every line.
      if (this.#failedAt !== undefined && now - this.#failedAt < this.#checkEveryMs) return;
      this.#open();
      this.#lastCheck = now;
      return;
    }
    if (now - this.#lastCheck < this.#checkEveryMs) return;
    this.#lastCheck = now;
    const open = fstatSync(this.#fd);
    let current: ReturnType<typeof statSync> | undefined;
    try {
      current = statSync(this.path);
    } catch {
      current = undefined; // removed, or its directory is gone (a mount without it)
    }
    if (current && current.dev === open.dev && current.ino === open.ino) return;
    const old = this.#fd;
    const oldSize = this.#size;
    this.#fd = undefined;
    try {
      this.#open();
      // A different file system under the directory: a mount moved the log, and the
      // old file is hidden under it. A rename or removal on the same one is not ours to undo.
      if (this.#carryOver && this.#fd !== undefined && statSync(dirname(this.path)).dev !== open.dev) {
        this.#copyFrom(old, oldSize);
      }
    } finally {
      closeSync(old);
    }
  }

  #open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    // a+: readable too, for the copy after a mount (see #ensureOpen).
    this.#fd = openSync(this.path, 'a+', this.#mode);
    this.#size = fstatSync(this.#fd).size;
    this.#failedAt = undefined;
  }

  /** What this boot wrote to a file that a mount has hidden since. */
  #copyFrom(fd: number, size: number): void {
    const chunk = Buffer.alloc(64 * 1024);
    let position = 0;
    while (position < size) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      if (read === 0) break;
      position += read;
      if (this.#size > 0 && this.#size + read > this.#maxBytes) this.#rotate();
      this.#writeAll(chunk.subarray(0, read));
    }
  }

  #rotate(): void {
    this.#close();
    // log.(n-1) is dropped, log.k → log.(k+1), log → log.1
    const name = (index: number) => (index === 0 ? this.path : `${this.path}.${index}`);
    if (this.#files === 1) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    for (let index = this.#files - 2; index >= 0; index--) {
      try {
        renameSync(name(index), name(index + 1));
      } catch {
        // that generation does not exist yet
      }
    }
    this.rotations++;
    this.#open();
    this.#lastCheck = this.#now();
  }

  #writeAll(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd!, bytes, offset);
    this.#size += bytes.length;
  }

  #close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // nothing to do about a failed close of a log
    }
    this.#fd = undefined;
  }

  #fail(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    this.#close();
    this.#failedAt = this.#now();
    if (this.#reported.has(code)) return;
    this.#reported.add(code);
    this.#onError(`cannot write ${this.path}: ${(error as Error).message}; its lines are dropped until it can be written again`);
  }
}
