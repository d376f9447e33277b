// A serial console transcript with the host-side time each chunk arrived. Milestones are
// timed on the host, not by the guest's clock, so the real init and the reference init
// are measured with one clock from the moment QEMU was started ("power-on").
import { OdError } from '../contract/errors.ts';

export interface SerialChunk {
  /** Milliseconds since power-on when the chunk was read from QEMU. */
  t: number;
  data: string;
}

export class SerialLogFormatError extends OdError {}

export interface TimedLine {
  text: string;
  /** Offset of the line's first character in the transcript. */
  offset: number;
  /** When the line was complete (its newline arrived), or when its last byte arrived. */
  t: number;
}

export class SerialLog {
  private content = '';
  /** End offset (exclusive) of each chunk in `content`, ascending, with its arrival time. */
  private readonly ends: number[] = [];
  private readonly times: number[] = [];
  private readonly chunks: SerialChunk[] = [];

  append(data: string, t: number): void {
    if (data === '') return;
    this.content += data;
    this.ends.push(this.content.length);
    this.times.push(t);
    this.chunks.push({ t, data });
  }

  get text(): string {
    return this.content;
  }

  get length(): number {
    return this.content.length;
  }

  /** When the character at `offset` arrived (ms since power-on). */
  timeAt(offset: number): number {
    let lo = 0;
    let hi = this.ends.length - 1;
    if (hi < 0) return Number.NaN;
    if (offset >= this.ends[hi]!) return this.times[hi]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > offset) hi = mid;
      else lo = mid + 1;
    }
    return this.times[lo]!;
  }

  /** Every line, timed when it was complete. Carriage returns are dropped. */
  lines(): TimedLine[] {
    const lines: TimedLine[] = [];
    let start = 0;
    for (;;) {
      const newline = this.content.indexOf('\n', start);
      const end = newline < 0 ? this.content.length : newline;
      if (newline < 0 && start >= this.content.length) break;
      lines.push({
        text: this.content.slice(start, end).replace(/\r/g, ''),
        offset: start,
        t: this.timeAt(newline < 0 ? Math.max(start, end - 1) : newline),
      });
      if (newline < 0) break;
      start = newline + 1;
    }
    return lines;
  }

  /** One JSON object a line ({"t":ms,"data":"..."}): exact, for replaying a recorded boot. */
  toJsonLines(): string {
    return this.chunks.map((chunk) => `${JSON.stringify({ t: Math.round(chunk.t * 10) / 10, data: chunk.data })}\n`).join('');
  }

  static fromJsonLines(text: string): SerialLog {
    const log = new SerialLog();
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      let chunk: SerialChunk;
      try {
        chunk = JSON.parse(line) as SerialChunk;
      } catch (cause) {
        throw new SerialLogFormatError(`line ${index + 1}: not JSON`, { cause });
      }
      if (typeof chunk.t !== 'number' || typeof chunk.data !== 'string') {
        throw new SerialLogFormatError(`line ${index + 1}: expected {"t": number, "data": string}`);
      }
      log.append(chunk.data, chunk.t);
    });
    return log;
  }

  /** The transcript for people: each line prefixed with its host time in seconds. */
  toTimedText(): string {
    return this.lines()
      .map((line) => `${(line.t / 1000).toFixed(3).padStart(8)}  ${line.text}`)
      .join('\n');
  }
}
