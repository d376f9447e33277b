import { writeSync } from 'node:fs';
import { formatEvent, type OdEvent } from '../contract/events.ts';
import { printable, printableJson } from './logs/printable.ts';

/** One thing the init says: a line of its own, a line of dockerd's output, or an event. */
export type ConsoleRecord =
  | { kind: 'init'; level: 'info' | 'warn' | 'error' | 'debug'; text: string }
  /** dockerd's output shown on the console (od.log=console/both); docker.log has it already. */
  | { kind: 'dockerd'; text: string }
  | { kind: 'event'; event: OdEvent };

/** Where records go: the terminal, the init's log file, the boot timeline. */
export type RecordSink = (record: ConsoleRecord) => void;

/** Where text lines go; tests pass an array-backed one. */
export type LineSink = (line: string) => void;

const prefixes = { info: 'init: ', warn: 'init: warning: ', error: 'init: error: ', debug: 'init: debug: ' } as const;

/**
 * A record as the console shows it: one or more lines, each printable. Whatever a
 * record quotes from outside (a DHCP server's message, a container's log, dockerd
 * relaying a registry's error) is made printable here, in one place, for every sink
 * that prints: the terminal and the init's log.
 */
export function formatRecord(record: ConsoleRecord): string[] {
  switch (record.kind) {
    case 'init':
      return record.text.split('\n').map((line) => prefixes[record.level] + printable(line));
    case 'dockerd':
      return [`dockerd: ${printable(record.text)}`];
    case 'event':
      return [printableJson(formatEvent(record.event))];
  }
}

/** Every record as text lines (the terminal, tests). */
export function textSink(lines: LineSink): RecordSink {
  return (record) => {
    for (const line of formatRecord(record)) lines(line);
  };
}

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

/**
 * What the init says, handed to every sink in the order they were attached: the
 * terminal first, so a sink that fails (a full log disk, a timeline bug) can never cost
 * PID 1 its console.
 */
export class BootConsole {
  readonly #sinks: RecordSink[];
  #debug = false;

  constructor(...sinks: RecordSink[]) {
    this.#sinks = sinks;
  }

  attach(sink: RecordSink): void {
    this.#sinks.push(sink);
  }

  /** Debug lines are printed only with od.debug; readConfig switches this on. */
  setDebug(debug: boolean): void {
    this.#debug = debug;
  }

  get debugEnabled(): boolean {
    return this.#debug;
  }

  info(text: string): void {
    this.#publish({ kind: 'init', level: 'info', text });
  }

  warn(text: string): void {
    this.#publish({ kind: 'init', level: 'warn', text });
  }

  error(text: string): void {
    this.#publish({ kind: 'init', level: 'error', text });
  }

  debug(text: string): void {
    if (this.#debug) this.#publish({ kind: 'init', level: 'debug', text });
  }

  dockerd(text: string): void {
    this.#publish({ kind: 'dockerd', text });
  }

  event(event: OdEvent): void {
    this.#publish({ kind: 'event', event });
  }

  #publish(record: ConsoleRecord): void {
    for (const sink of this.#sinks) {
      try {
        sink(record);
      } catch {
        // one sink's failure must not keep the record from the others
      }
    }
  }
}
