import { statfsSync } from 'node:fs';
import { MiB } from './blank-disk.ts';

export interface SpaceReading {
  /** What an unprivileged writer may still use (statfs f_bavail). */
  freeBytes: number;
  totalBytes: number;
}

export function readSpace(path: string): SpaceReading {
  const s = statfsSync(path);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** Full: less than 2 % or 64 MiB left, whichever is more. */
export function isFull(r: SpaceReading): boolean {
  return r.freeBytes < Math.max(64 * MiB, r.totalBytes * 0.02);
}

export interface DiskSpaceWatchOptions {
  path: string;
  read?: (path: string) => SpaceReading;
  warn(message: string): void;
  info(message: string): void;
  intervalMs?: number;
}

const mib = (bytes: number) => `${Math.floor(bytes / MiB)} MiB`;

/**
 * Says on the console when Docker's storage fills up, and when it has room again.
 * A full /var/lib/docker shows otherwise only as containers failing in odd ways
 * (writes refused, logs cut, images that will not load). Said once per change, not at
 * every look; the init itself writes nothing there, so it keeps working either way.
 */
export class DiskSpaceWatch {
  readonly #o: DiskSpaceWatchOptions;
  #full = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DiskSpaceWatchOptions) {
    this.#o = options;
  }

  /** One look; the timer calls this. */
  check(): void {
    let reading: SpaceReading;
    try {
      reading = (this.#o.read ?? readSpace)(this.#o.path);
    } catch {
      return; // not mounted yet, or gone during shutdown
    }
    const full = isFull(reading);
    if (full === this.#full) return;
    this.#full = full;
    if (full) {
      this.#o.warn(
        `${this.#o.path} is full: ${mib(reading.freeBytes)} left of ${mib(reading.totalBytes)}. Containers cannot write and images ` +
          'cannot be pulled or loaded; free space from the console (docker system df, docker system prune, docker volume rm)',
      );
    } else {
      this.#o.info(`${this.#o.path} has room again: ${mib(reading.freeBytes)} free of ${mib(reading.totalBytes)}`);
    }
  }

  start(): void {
    this.check();
    this.#timer ??= setInterval(() => this.check(), this.#o.intervalMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
