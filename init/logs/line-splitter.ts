/**
 * Cuts a byte stream into lines. A line that never ends is passed on in pieces of
 * maxLineBytes, so a process that writes without newlines cannot grow the init's
 * memory.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  #partial = '';

  constructor(onLine: (line: string) => void, maxLineBytes = 16 * 1024) {
    this.#onLine = onLine;
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#onLine(line.replace(/\r$/, ''));
    while (this.#partial.length > this.#maxLineBytes) {
      this.#onLine(this.#partial.slice(0, this.#maxLineBytes));
      this.#partial = this.#partial.slice(this.#maxLineBytes);
    }
  }

  /** The last line, when the stream ended without a newline. */
  end(): void {
    if (this.#partial) this.#onLine(this.#partial);
    this.#partial = '';
  }
}
