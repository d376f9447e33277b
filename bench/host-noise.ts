// How busy the host was with other work while a VM booted: the CPU time of the whole
// machine minus QEMU's own, per second of wall time. Under TCG the boot times scale with
// the CPU QEMU gets, so a build or test running beside the benchmark (outside the lock)
// shows here instead of silently slowing one init down.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Linux reports times in /proc in USER_HZ ticks, 100 a second on x86-64. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** Busy ticks of all CPUs since boot (user, nice, system, irq, softirq, steal). */
  busyTicks: number;
  /** utime + stime of the process (all its threads). */
  processTicks: number;
  /** performance.now() when sampled. */
  at: number;
}

export function parseProcStatBusy(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return Number.NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the name in parentheses may hold spaces). */
export function parsePidStatTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return Number(fields[11]) + Number(fields[12]);
}

export async function sampleCpu(pid: number | undefined): Promise<CpuSample | undefined> {
  try {
    const [stat, own] = await Promise.all([readFile('/proc/stat', 'utf8'), pid === undefined ? Promise.resolve('') : readFile(`/proc/${pid}/stat`, 'utf8')]);
    return { busyTicks: parseProcStatBusy(stat), processTicks: own ? parsePidStatTicks(own) : 0, at: performance.now() };
  } catch {
    return undefined;
  }
}

/** CPU cores' worth of work other than the process between two samples. */
export function otherCores(before: CpuSample, after: CpuSample): number | undefined {
  const seconds = (after.at - before.at) / 1000;
  if (!(seconds > 0)) return undefined;
  const others = after.busyTicks - before.busyTicks - (after.processTicks - before.processTicks);
  const cores = others / TICKS_PER_SECOND / seconds;
  return Number.isFinite(cores) ? Math.max(0, cores) : undefined;
}

/**
 * Waits until the host has been quiet (at most `threshold` cores of work) for one
 * `windowMs`, or until `maxMs` passed; returns the last measured load (cores).
 */
export async function waitForQuiet(threshold: number, maxMs: number, windowMs = 2000): Promise<number | undefined> {
  const deadline = performance.now() + maxMs;
  let load: number | undefined;
  for (;;) {
    const before = await sampleCpu(undefined);
    await sleep(windowMs);
    const after = await sampleCpu(undefined);
    load = before && after ? otherCores(before, after) : undefined;
    if (load === undefined || load <= threshold || performance.now() >= deadline) return load;
  }
}
