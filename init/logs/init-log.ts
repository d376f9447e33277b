import { formatRecord, type RecordSink } from '../console.ts';
import type { RotatingLog } from './rotating-log.ts';

export interface InitLogOptions {
  file: RotatingLog;
  /** Lines kept while the init does not yet know whether to keep a file (before readConfig). */
  maxBufferedLines?: number;
  clock?: () => Date;
}

/**
 * The init's own console lines, kept in /var/log/only-docker-init.log with the time
 * each was printed. Lines printed before readConfig has decided on od.log wait in a
 * small buffer: the first ones (Node's start, the mounts) are the ones people look for
 * when a boot went wrong.
 */
export class InitLog {
  readonly #file: RotatingLog;
  readonly #maxBuffered: number;
  readonly #clock: () => Date;
  #buffer: string[] | undefined = [];
  #dropped = 0;
  #keep = false;

  constructor(options: InitLogOptions) {
    this.#file = options.file;
    this.#maxBuffered = options.maxBufferedLines ?? 2000;
    this.#clock = options.clock ?? (() => new Date());
  }

  get path(): string {
    return this.#file.path;
  }

  /**
   * The log as a console sink: the init's own lines and events. dockerd's lines shown
   * on the console are kept in docker.log already.
   */
  readonly sink: RecordSink = (record) => {
    if (record.kind === 'dockerd') return;
    for (const line of formatRecord(record)) this.line(line);
  };

  /** A line as the console printed it. */
  line(text: string): void {
    const stamped = `${this.#clock().toISOString()} ${text}\n`;
    if (this.#buffer) {
      if (this.#buffer.length < this.#maxBuffered) this.#buffer.push(stamped);
      else this.#dropped++;
      return;
    }
    if (this.#keep) this.#file.write(stamped);
  }

  /** From now on lines go to the file (keep) or nowhere; the buffered ones go first. */
  start(keep: boolean): void {
    const buffered = this.#buffer ?? [];
    this.#buffer = undefined;
    this.#keep = keep;
    if (!keep) return;
    if (buffered.length) this.#file.write(buffered.join(''));
    if (this.#dropped) this.#file.write(`${this.#clock().toISOString()} init: (${this.#dropped} early lines not kept)\n`);
    this.#dropped = 0;
  }
}
