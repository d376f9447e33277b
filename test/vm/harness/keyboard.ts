// Typing on the VM's screen (the VGA console, tty1..tty63) through QEMU's `sendkey`:
// the serial port only reaches ttyS0, and some terminals are only on the screen.
import type { QemuVm } from './qemu-vm.ts';

const plain: Record<string, string> = {
  ' ': 'spc', '\n': 'ret', '-': 'minus', '=': 'equal', '/': 'slash', '.': 'dot', ',': 'comma',
  ';': 'semicolon', "'": 'apostrophe', '`': 'grave_accent', '\\': 'backslash', '[': 'bracket_left', ']': 'bracket_right',
};

const shifted: Record<string, string> = {
  '>': 'dot', '<': 'comma', '|': 'backslash', _: 'minus', $: '4', '(': '9', ')': '0', '"': 'apostrophe', ':': 'semicolon',
  '&': '7', '*': '8', '!': '1', '@': '2', '#': '3', '%': '5', '^': '6', '+': 'equal', '?': 'slash', '{': 'bracket_left',
  '}': 'bracket_right', '~': 'grave_accent',
};

/** The qcode (with `shift-` when needed) for one character of a US keyboard. */
export function keyFor(ch: string): string {
  if (/^[a-z0-9]$/.test(ch)) return ch;
  if (/^[A-Z]$/.test(ch)) return `shift-${ch.toLowerCase()}`;
  if (plain[ch]) return plain[ch]!;
  if (shifted[ch]) return `shift-${shifted[ch]}`;
  throw new Error(`no key for ${JSON.stringify(ch)}`);
}

/** Sends keys through the monitor; fails instead of hanging when the monitor does not take them. */
async function sendKeys(vm: QemuVm, what: string, keys: string[], timeoutMs: number, gapMs?: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await vm.monitorAll(keys.map((key) => `sendkey ${key}`), { signal, ...(gapMs !== undefined ? { gapMs } : {}) });
  } catch (cause) {
    if (signal.aborted) throw new Error(`${what}: the QEMU monitor did not take it within ${timeoutMs / 1000} s`, { cause });
    throw cause;
  }
}

/** Types text on whatever virtual terminal is in front. */
export async function typeOnScreen(vm: QemuVm, text: string): Promise<void> {
  await sendKeys(vm, `typing ${JSON.stringify(text)}`, [...text].map(keyFor), 30_000 + text.length * 200);
}

/** Brings virtual terminal n (1-12) to the front with Alt-Fn, as a person would. */
export async function switchToVt(vm: QemuVm, n: number): Promise<void> {
  await sendKeys(vm, `Alt-F${n}`, [`alt-f${n}`], 30_000, 300);
}
