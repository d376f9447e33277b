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

/** Fails instead of hanging when the monitor does not take the keys. */
async function withTimeout(what: string, ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the QEMU monitor did not take it within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Types text on whatever virtual terminal is in front. */
export async function typeOnScreen(vm: QemuVm, text: string): Promise<void> {
  await withTimeout(`typing ${JSON.stringify(text)}`, 30_000 + text.length * 200, vm.monitorAll([...text].map((ch) => `sendkey ${keyFor(ch)}`)));
}

/** Brings virtual terminal n (1-12) to the front with Alt-Fn, as a person would. */
export async function switchToVt(vm: QemuVm, n: number): Promise<void> {
  await withTimeout(`Alt-F${n}`, 30_000, vm.monitorAll([`sendkey alt-f${n}`], 300));
}
