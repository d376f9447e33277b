import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootState, parseVmRss } from './boot-run.ts';
import { CONSOLE_PROMPT } from './boot-timeline.ts';
import { qemuArgs } from './bench-vm.ts';

test('VmRSS is read from /proc/1/status text, with the echo of the command around it', () => {
  assert.equal(parseVmRss('grep VmRSS /proc/1/status\r\nVmRSS:\t   51234 kB\r\n'), 51234);
  assert.equal(parseVmRss('grep: /proc/1/status: No such file'), undefined);
});

test('the wait loop sees the prompt, a failed boot, and a finished boot without a prompt', () => {
  assert.deepEqual(bootState('...\r\n[only-docker console] ~ # \u001b[6n', CONSOLE_PROMPT), { prompt: true, failed: false });
  assert.deepEqual(bootState('{"od":"boot","status":"failed","ms":3}\n', CONSOLE_PROMPT), { prompt: false, failed: true });
  assert.deepEqual(bootState('x\n{"od":"boot","status":"done","ms":3}\n', CONSOLE_PROMPT), { prompt: false, failed: false, doneAt: 2 });
});

test('both initrds boot on the same machine: only -initrd differs', () => {
  const vm = { kernel: 'k', accel: 'tcg' as const, memoryMb: 2048, cpus: 2, append: '' };
  const real = qemuArgs({ ...vm, initrd: 'real.img' });
  const reference = qemuArgs({ ...vm, initrd: 'ref.img' });
  const differing = real.filter((arg, i) => arg !== reference[i]);
  assert.deepEqual(differing, ['real.img']);
  assert.deepEqual(real.slice(0, 2), ['-accel', 'tcg']);
  assert.ok(real.includes('user,model=virtio-net-pci'));
  assert.deepEqual(qemuArgs({ ...vm, initrd: 'x', accel: 'kvm' }).slice(0, 4), ['-accel', 'kvm', '-cpu', 'host']);
});
