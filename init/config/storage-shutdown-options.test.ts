import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, describeProblem, parseConfig } from './options.ts';

test('od.disk.timeout, od.disk.settle, od.disk.format, od.shutdown.timeout: defaults', () => {
  const { config, problems } = parseConfig('console=ttyS0');
  assert.deepEqual(config.disk, { timeoutMs: 10_000, format: null, settleMs: 1500 });
  assert.deepEqual(config.shutdown, { timeoutMs: 10_000 });
  assert.deepEqual(problems, []);
});

test('good values', () => {
  const { config, problems } = parseConfig('od.disk.timeout=30 od.disk.settle=0 od.disk.format=/dev/sda od.shutdown.timeout=2.5s');
  assert.deepEqual(problems, []);
  assert.deepEqual(config.disk, { timeoutMs: 30_000, format: '/dev/sda', settleMs: 0 });
  assert.equal(config.shutdown.timeoutMs, 2500);
  assert.equal(parseConfig('od.disk.timeout=0').config.disk.timeoutMs, 0);
  for (const device of ['/dev/vdb', '/dev/nvme0n1', '/dev/sdb1', '/dev/mmcblk0p2', '/dev/md0', '/dev/mapper/data']) {
    assert.equal(parseConfig(`od.disk.format=${device}`).config.disk.format, device, device);
  }
  // The defaults object is never changed by parsing.
  assert.deepEqual(defaultConfig.disk, { timeoutMs: 10_000, format: null, settleMs: 1500 });
});

test('bad values are reported and the default is used', () => {
  const cases: Array<[string, string]> = [
    ['od.disk.timeout=never', 'bad value od.disk.timeout="never": expected a number of seconds, e.g. 10 or 10s; using the default (10s)'],
    ['od.disk.timeout=601', 'bad value od.disk.timeout="601": at most 600 seconds; using the default (10s)'],
    ['od.disk.settle=soon', 'bad value od.disk.settle="soon": expected a number of seconds, e.g. 10 or 10s; using the default (1.5s)'],
    ['od.disk.format', 'bad value od.disk.format: needs a value: a device, e.g. /dev/sda; using the default (none)'],
    ['od.disk.format=sda', 'bad value od.disk.format="sda": expected a device such as /dev/sda, /dev/vdb or /dev/nvme0n1; using the default (none)'],
    ['od.disk.format=/dev/../etc/passwd', 'bad value od.disk.format="/dev/../etc/passwd": expected a device such as /dev/sda, /dev/vdb or /dev/nvme0n1; using the default (none)'],
    ['od.shutdown.timeout=0', 'bad value od.shutdown.timeout="0": at least 1 second; using the default (10s)'],
  ];
  for (const [cmdline, message] of cases) {
    const { config, problems } = parseConfig(cmdline);
    assert.deepEqual(problems.map(describeProblem), [message], cmdline);
    assert.deepEqual(config.disk, defaultConfig.disk);
    assert.deepEqual(config.shutdown, defaultConfig.shutdown);
  }
  // A later bad value does not keep an earlier good one.
  assert.equal(parseConfig('od.disk.format=/dev/sdb od.disk.format=bad').config.disk.format, null);
});
