import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otherCores, parsePidStatTicks, parseProcStatBusy, sampleCpu } from './host-noise.ts';

test('busy ticks of /proc/stat leave out idle and iowait', () => {
  assert.equal(parseProcStatBusy('cpu  100 20 30 5000 70 1 2 3 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n'), 156);
  assert.ok(Number.isNaN(parseProcStatBusy('intr 1 2 3')));
});

test("a process's utime and stime, with a name that holds spaces and parentheses", () => {
  const stat = '824 (qemu-system (x) 86) S 1 824 13254 0 -1 4194304 123 0 0 0 700 50 0 0 20 0 3 0 749843';
  assert.equal(parsePidStatTicks(stat), 750);
});

test('other work is what the machine did besides the process, in cores', () => {
  const before = { busyTicks: 1000, processTicks: 500, at: 0 };
  const after = { busyTicks: 1000 + 2 * 100 * 10, processTicks: 500 + 1.5 * 100 * 10, at: 10_000 };
  assert.equal(otherCores(before, after), 0.5);
  assert.equal(otherCores(before, { ...before }), undefined, 'no time passed');
});

test('this process can be sampled', async () => {
  const sample = await sampleCpu(process.pid);
  assert.ok(sample && sample.busyTicks > 0 && sample.processTicks >= 0);
});
