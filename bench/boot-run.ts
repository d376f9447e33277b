// One measured boot: power on, wait for the console prompt (or a clear end), read PID
// 1's memory at the prompt, power off, keep the timed transcript.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QemuMachine, type MachineOptions } from '../qemu/qemu-machine.ts';
import { CONSOLE_PROMPT, parseBootTimeline, type BootTimeline } from './boot-timeline.ts';
import { otherCores, sampleCpu } from './host-noise.ts';

export type InitKind = 'real' | 'reference';

export type StopReason = 'console prompt' | 'boot failed' | 'no prompt after boot done' | 'timeout' | 'QEMU exited';

export interface BootRunOptions {
  kind: InitKind;
  /** 1-based run number of this kind. */
  index: number;
  vm: MachineOptions;
  /** Give up this long after power-on. */
  timeoutMs: number;
  /** After the init reports its boot done, how long to wait for a prompt that may not come. */
  graceMs: number;
  logDir: string;
  /** The transcripts' base name (default `<kind>-<index>`). */
  logName?: string;
  prompt?: RegExp;
}

export interface BootRun {
  kind: InitKind;
  index: number;
  stopReason: StopReason;
  /** Host ms since power-on when the VM was stopped. */
  stoppedAt: number;
  timeline: BootTimeline;
  /** PID 1's VmRSS in kB, read at the console prompt (or reported by the init). */
  rssKb?: number;
  rssNote?: string;
  /** CPU cores' worth of other work on the host during the boot (noise in the figures). */
  otherCores?: number;
  /** The transcript files, relative to the log directory's parent. */
  logs: { serial: string; text: string };
}

export function parseVmRss(statusText: string): number | undefined {
  const match = /VmRSS:\s*(\d+)\s*kB/.exec(statusText);
  return match ? Number(match[1]) : undefined;
}

/** Where a boot stands, from its transcript so far: what the wait loop looks at. */
export function bootState(text: string, prompt: RegExp): { prompt: boolean; failed: boolean; doneAt?: number } {
  const done = text.indexOf('{"od":"boot","status":"done"');
  return {
    prompt: prompt.test(text),
    failed: text.includes('{"od":"boot","status":"failed"'),
    ...(done >= 0 ? { doneAt: done } : {}),
  };
}

export async function bootOnce(options: BootRunOptions, boot: (vm: MachineOptions) => QemuMachine = (vm) => QemuMachine.start(vm)): Promise<BootRun> {
  const prompt = options.prompt ?? CONSOLE_PROMPT;
  const vm = boot(options.vm);
  const cpuBefore = await sampleCpu(vm.pid);
  let cpuAfter: Awaited<ReturnType<typeof sampleCpu>>;
  // Set inside the wait's callback, which TypeScript's narrowing does not follow.
  let stopReason = 'timeout' as StopReason;
  let rssKb: number | undefined;
  let rssNote: string | undefined;
  let stoppedAt: number;
  try {
    await vm.until(() => {
      const state = bootState(vm.log.text, prompt);
      if (state.prompt) stopReason = 'console prompt';
      else if (state.failed) stopReason = 'boot failed';
      else if (state.doneAt !== undefined && vm.now() - vm.log.timeAt(state.doneAt) > options.graceMs) stopReason = 'no prompt after boot done';
      else if (!vm.running) stopReason = 'QEMU exited';
      else return false;
      return true;
    }, options.timeoutMs);
    if (stopReason === 'console prompt') {
      try {
        // --pid host: /proc/1 in the console is the machine's PID 1, the init.
        rssKb = parseVmRss(await vm.run('grep VmRSS /proc/1/status', 60_000));
        if (rssKb === undefined) rssNote = 'no VmRSS line in /proc/1/status';
      } catch (error) {
        rssNote = (error as Error).message;
      }
    } else {
      rssNote = `no console prompt (${stopReason})`;
    }
  } finally {
    stoppedAt = vm.now();
    cpuAfter = await sampleCpu(vm.pid);
    await vm.stop();
  }
  await mkdir(options.logDir, { recursive: true });
  const base = options.logName ?? `${options.kind}-${options.index}`;
  await writeFile(join(options.logDir, `${base}.serial.jsonl`), vm.log.toJsonLines());
  await writeFile(join(options.logDir, `${base}.log`), `${vm.log.toTimedText()}\n`);
  const timeline = parseBootTimeline(vm.log);
  if (rssKb === undefined && timeline.rssKb !== undefined) {
    rssKb = timeline.rssKb;
    rssNote = 'reported by the init';
  }
  const others = cpuBefore && cpuAfter ? otherCores(cpuBefore, cpuAfter) : undefined;
  return {
    kind: options.kind,
    index: options.index,
    stopReason,
    stoppedAt,
    timeline,
    ...(others !== undefined ? { otherCores: Math.round(others * 100) / 100 } : {}),
    ...(rssKb !== undefined ? { rssKb } : {}),
    ...(rssNote !== undefined ? { rssNote } : {}),
    logs: { serial: `logs/${base}.serial.jsonl`, text: `logs/${base}.log` },
  };
}
