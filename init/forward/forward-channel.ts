// The virtio-serial port to the host. run.sh gives the VM one named
// org.only-docker.forward (`-device virtserialport,name=...`); the kernel names its
// device vportNpM and tells the name in /sys/class/virtio-ports/vportNpM/name.
//
// Writes never block the init: the device is opened non-blocking, and when the host
// reads nothing for a while (its pipe is full) the line waits and only the newest one
// is sent on the next try. Every line is a whole state, so skipping older ones is safe.
import { closeSync, constants, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OdError } from '../../contract/errors.ts';

export const forwardPortName = 'org.only-docker.forward';
export const virtioPortsDir = '/sys/class/virtio-ports';

export class ForwardChannelError extends OdError {}

/** The device of the virtio-serial port with this name, or undefined when there is none. */
export function findVirtioPort(name: string, options: { portsDir?: string; devDir?: string } = {}): string | undefined {
  const portsDir = options.portsDir ?? virtioPortsDir;
  let entries: string[];
  try {
    entries = readdirSync(portsDir);
  } catch {
    return undefined; // no virtio_console, or no port at all
  }
  for (const entry of entries.sort()) {
    try {
      if (readFileSync(join(portsDir, entry, 'name'), 'utf8').trim() === name) return join(options.devDir ?? '/dev', entry);
    } catch {
      // a port without a name
    }
  }
  return undefined;
}

export interface ChannelWriterOptions {
  /** How long to wait before trying again when the host is not reading. */
  retryMs?: number;
  onError?: (error: ForwardChannelError) => void;
}

/** Writes whole lines to a device (or a file, in tests) without ever blocking. */
export class ChannelWriter {
  readonly path: string;
  readonly #fd: number;
  readonly #retryMs: number;
  readonly #onError: (error: ForwardChannelError) => void;
  /** Bytes of a line the device took only in part: they go first, or the host sees a torn line. */
  #rest: Buffer | undefined;
  #newest: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(path: string, options: ChannelWriterOptions = {}) {
    this.path = path;
    this.#retryMs = options.retryMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
    try {
      this.#fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_APPEND);
    } catch (cause) {
      throw new ForwardChannelError(`cannot open ${path}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Sends `line` now if the host takes it, else as soon as it does (unless a newer line replaces it). */
  send(line: string): void {
    if (this.#closed) return;
    this.#newest = Buffer.from(`${line}\n`);
    this.#flush();
  }

  /** True while a line waits for the host. */
  get waiting(): boolean {
    return this.#rest !== undefined || this.#newest !== undefined;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    closeSync(this.#fd);
  }

  #flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (!this.#closed) {
      const next = this.#rest ?? this.#newest;
      if (!next) return;
      let written: number;
      try {
        written = writeSync(this.#fd, next);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
          this.#onError(new ForwardChannelError(`cannot write to ${this.path}: ${(cause as Error).message}`, { cause }));
        }
        this.#timer = setTimeout(() => this.#flush(), this.#retryMs);
        this.#timer.unref();
        return;
      }
      if (this.#rest) this.#rest = written < next.length ? next.subarray(written) : undefined;
      else {
        this.#newest = undefined;
        if (written < next.length) this.#rest = next.subarray(written);
      }
    }
  }
}
