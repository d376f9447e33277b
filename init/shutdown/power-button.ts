// The power button, read from the input devices that have a KEY_POWER key. The ACPI
// button driver (QEMU's system_powerdown, a VirtualBox ACPI shutdown, a real button)
// reports the press as KEY_POWER on an input device, as do keyboards with a power key;
// systemd-logind reads it the same way. The netlink ACPI event interface would need a
// netlink socket through koffi and only covers ACPI buttons.
import { closeSync, constants, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const EV_KEY = 1;
export const KEY_POWER = 116;
/** struct input_event on 64-bit Linux: struct timeval (16), type u16, code u16, value s32. */
export const INPUT_EVENT_SIZE = 24;

export interface InputEvent {
  type: number;
  code: number;
  value: number;
}

export function parseInputEvents(buffer: Buffer): InputEvent[] {
  const events: InputEvent[] = [];
  for (let at = 0; at + INPUT_EVENT_SIZE <= buffer.length; at += INPUT_EVENT_SIZE) {
    events.push({ type: buffer.readUInt16LE(at + 16), code: buffer.readUInt16LE(at + 18), value: buffer.readInt32LE(at + 20) });
  }
  return events;
}

/** A press (value 1; 0 is the release, 2 autorepeat) of the power key. */
export function isPowerPress(event: InputEvent): boolean {
  return event.type === EV_KEY && event.code === KEY_POWER && event.value === 1;
}

/**
 * capabilities/key in sysfs: the key bitmap as hex words of the kernel's `long`, most
 * significant word first, separated by spaces ("10000000000000 0" on a power button).
 */
export function hasKey(capabilities: string, key: number, wordBits = 64): boolean {
  const words = capabilities.trim().split(/\s+/).reverse();
  const word = words[Math.floor(key / wordBits)];
  if (word === undefined || !/^[0-9a-f]+$/i.test(word)) return false;
  return ((BigInt(`0x${word}`) >> BigInt(key % wordBits)) & 1n) === 1n;
}

export interface PowerButtonOptions {
  onPress(deviceName: string): void;
  log?: (message: string) => void;
  sysClassInput?: string;
  devInput?: string;
  /** How often the open devices are read (non-blocking). */
  pollMs?: number;
  /** How often new input devices are looked for (modules load, USB keyboards come). */
  rescanMs?: number;
}

interface OpenDevice {
  fd: number;
  name: string;
}

/**
 * Non-blocking reads on a timer rather than a read stream: a blocking read of a
 * character device would hold one of libuv's four threadpool threads for good, and
 * the init needs those for its file and DNS work. Five reads a second cost nothing.
 */
export class PowerButtonWatcher {
  readonly #o: Required<PowerButtonOptions>;
  readonly #open = new Map<string, OpenDevice>();
  #timer: NodeJS.Timeout | undefined;
  #sinceScan = Number.POSITIVE_INFINITY;
  readonly #buffer = Buffer.alloc(INPUT_EVENT_SIZE * 64);

  constructor(options: PowerButtonOptions) {
    this.#o = { log: () => {}, sysClassInput: '/sys/class/input', devInput: '/dev/input', pollMs: 200, rescanMs: 2000, ...options };
  }

  /** The devices being watched, by event node name. */
  get devices(): string[] {
    return [...this.#open.keys()];
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#o.pollMs);
    this.tick();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const device of this.#open.values()) closeSync(device.fd);
    this.#open.clear();
  }

  /** One round: look for new devices when due, then read what the open ones have. */
  tick(): void {
    this.#sinceScan += this.#o.pollMs;
    if (this.#sinceScan >= this.#o.rescanMs) {
      this.#sinceScan = 0;
      this.scan();
    }
    for (const [node, device] of this.#open) this.#read(node, device);
  }

  scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.#o.sysClassInput).filter((name) => /^event\d+$/.test(name));
    } catch {
      return; // no /sys yet, or no input subsystem
    }
    for (const node of names) {
      if (this.#open.has(node)) continue;
      const sys = join(this.#o.sysClassInput, node, 'device');
      let capabilities: string;
      try {
        capabilities = readFileSync(join(sys, 'capabilities', 'key'), 'utf8');
      } catch {
        continue;
      }
      if (!hasKey(capabilities, KEY_POWER)) continue;
      let name = node;
      try {
        name = readFileSync(join(sys, 'name'), 'utf8').trim() || node;
      } catch {
        // unnamed
      }
      try {
        // libuv adds O_CLOEXEC: no child of the init inherits the descriptor.
        const fd = openSync(join(this.#o.devInput, node), constants.O_RDONLY | constants.O_NONBLOCK);
        this.#open.set(node, { fd, name });
        this.#o.log(`watching ${name} (/dev/input/${node}) for the power key`);
      } catch {
        // the /dev node is not there yet: the next scan tries again
      }
    }
  }

  #read(node: string, device: OpenDevice): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(device.fd, this.#buffer, 0, this.#buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        // ENODEV: unplugged. Forget it; a new one is found by the next scan.
        closeSync(device.fd);
        this.#open.delete(node);
        return;
      }
      if (n <= 0) return;
      if (parseInputEvents(this.#buffer.subarray(0, n)).some(isPowerPress)) this.#o.onPress(device.name);
      if (n < this.#buffer.length) return;
    }
  }
}
