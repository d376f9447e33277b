import { writeSync } from 'node:fs';
import { formatEvent, type OdEvent } from './events.ts';

/** Where console lines go; tests pass an array-backed sink. */
export type LineSink = (line: string) => void;

/**
 * Writes whole lines synchronously to a file descriptor. PID 1 inherits the console on
 * fds 0-2 from the kernel; a synchronous write per line means nothing is left in a
 * buffer when the init hangs or the machine powers off, and lines from the init never
 * interleave mid-line with each other.
 */
export function fdSink(fd: number): LineSink {
  return (line) => {
    const data = Buffer.from(`${line}\n`);
    let offset = 0;
    let spins = 0;
    while (offset < data.length) {
      try {
        offset += writeSync(fd, data, offset);
      } catch (error) {
        // A non-blocking console can refuse a write for a moment; a dead one cannot be
        // written at all and there is nowhere left to report that.
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN' && spins++ < 1000) continue;
        return;
      }
    }
  };
}

export class BootConsole {
  #sink: LineSink;
  #debug = false;

  constructor(sink: LineSink) {
    this.#sink = sink;
  }

  /** Debug lines are printed only with od.debug; readConfig switches this on. */
  setDebug(debug: boolean): void {
    this.#debug = debug;
  }

  get debugEnabled(): boolean {
    return this.#debug;
  }

  setSink(sink: LineSink): void {
    this.#sink = sink;
  }

  info(message: string): void {
    this.#lines('init: ', message);
  }

  warn(message: string): void {
    this.#lines('init: warning: ', message);
  }

  error(message: string): void {
    this.#lines('init: error: ', message);
  }

  debug(message: string): void {
    if (this.#debug) this.#lines('init: debug: ', message);
  }

  /** A line that is not from the init itself (dockerd's log in debug mode). */
  raw(line: string): void {
    this.#sink(line);
  }

  event(event: OdEvent): void {
    this.#sink(formatEvent(event));
  }

  #lines(prefix: string, message: string): void {
    for (const line of message.split('\n')) this.#sink(prefix + line);
  }
}

