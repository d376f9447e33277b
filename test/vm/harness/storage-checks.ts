// Shared by the VM tests that use the console: the serial console's prompt, running a
// check with the console's tail on failure, the shutdown's events, and what e2fsck
// thinks of a disk image once QEMU is gone.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import type { OdEvent, QemuVm } from './qemu-vm.ts';
import { extSuperblockOf } from '../../../init/storage/signatures.ts';

// busybox ash asks the terminal where its cursor is (ESC [6n) right after the prompt.
export const consolePrompt = /\[only-docker console\] [^\n]*# (\x1b\[6n)?$/;

export const SBIN_ENV = { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH}` };

export { check } from './qemu-vm.ts';

/** Waits for the serial console's prompt, pressing Enter until it shows (init lines may land after it). */
export async function waitForConsolePrompt(vm: QemuVm, timeoutMs = 300_000): Promise<void> {
  await vm.waitForEvent((e) => (e.od === 'console' && e.status === 'ready' && e.tty === 'ttyS0') || (e.od === 'boot' && e.status === 'failed'), timeoutMs, 'console ready on ttyS0');
  const failed = vm.events().find((e) => e.od === 'boot' && e.status === 'failed');
  if (failed) throw new Error(`the boot failed: ${JSON.stringify(vm.events().find((e) => e.od === 'step' && e.status === 'failed'))}`);
  // The init's last lines (boot done, RAM mode, what it supervises) come after the
  // console's first prompt, on the same serial port: a command typed before them would
  // get them mixed into its output. Wait for the last one, then ask for a fresh prompt.
  await vm.waitForEvent((e) => e.od === 'boot', 60_000, 'boot done');
  await vm.waitFor(/init: supervising: [^\n]*\n/, 10_000).catch(() => undefined);
  let from = vm.serial.length;
  vm.type('\n');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await vm.waitFor(consolePrompt, 5_000, from);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('no console prompt within 60 s of the console being ready');
      from = vm.serial.length;
      vm.type('\n');
    }
  }
}

/**
 * A command at the console prompt: its output without the terminal's CRs (vm.run()
 * has dropped the echoed command line, however it wrapped); throws when it exits
 * non-zero.
 */
export async function sh(vm: QemuVm, command: string, timeoutMs = 120_000): Promise<string> {
  const out = (await vm.run(`${command}; echo "od-rc""=$?"`, timeoutMs)).replace(/\r/g, '');
  // The command's output ends with "od-rc=N" on a line of its own.
  const rcLine = /(?:^|\n)od-rc=(\d+)\s*$/.exec(out);
  const text = rcLine ? out.slice(0, rcLine.index) : out;
  const rc = rcLine ? Number(rcLine[1]) : NaN;
  if (rc !== 0) throw new Error(`\`${command}\` exited ${rc}:\n${text.trim()}`);
  return text.trim();
}

export const diskEvents = (vm: QemuVm): OdEvent[] => vm.events().filter((e) => e.od === 'disk');
export const shutdownEvents = (vm: QemuVm): OdEvent[] => vm.events().filter((e) => e.od === 'shutdown');

export interface ShutdownMeasure {
  /** From the request to QEMU's exit, on the host's clock. */
  hostMs: number;
  /** The init's own count, from the request to right before reboot(2). */
  initMs: number;
  events: OdEvent[];
}

/** Asks for a shutdown (`ask`), waits for QEMU to exit by itself, and returns the timings. */
export async function shutDown(vm: QemuVm, ask: () => Promise<void> | void, timeoutMs = 120_000): Promise<ShutdownMeasure> {
  const started = Date.now();
  await ask();
  const exited = await vm.until(() => !vm.running, timeoutMs);
  if (!exited) throw new Error(`QEMU did not exit within ${timeoutMs / 1000} s of the shutdown request`);
  const hostMs = Date.now() - started;
  const events = shutdownEvents(vm);
  const done = events.find((e) => e.status === 'done' && e.action);
  if (!done) throw new Error(`QEMU exited without the init's shutdown done event: ${JSON.stringify(events)}`);
  return { hostMs, initMs: Number(done.ms), events };
}

/** The shutdown steps that ended, as "name:status", in order. */
export const stepOutcomes = (events: OdEvent[]): string[] =>
  events.filter((e) => e.step && e.status !== 'start').map((e) => `${String(e.step)}:${String(e.status)}`);

/** `e2fsck -fn`: forced, read-only; returns its exit code and output. */
export function fsckImage(image: string): { code: number; output: string } {
  const result = spawnSync('e2fsck', ['-fn', image], { env: SBIN_ENV, encoding: 'utf8' });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** The ext superblock of an image: label, and whether the journal still needs replaying. */
export function imageSuperblock(image: string) {
  const fd = openSync(image, 'r');
  try {
    const head = Buffer.alloc(4096);
    readSync(fd, head, 0, head.length, 0);
    return extSuperblockOf(head);
  } finally {
    closeSync(fd);
  }
}

/** A file inside an ext image, read with debugfs (no mount needed). */
export function catInImage(image: string, path: string): string {
  return execFileSync('debugfs', ['-R', `cat ${path}`, image], { env: SBIN_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}
