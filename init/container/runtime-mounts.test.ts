import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRuntimeMounts, missingRuntimeMounts } from './runtime-mounts.ts';

const line = (id: number, mountPoint: string, fstype: string) => `${id} 1 0:${id} / ${mountPoint} rw,relatime - ${fstype} ${fstype} rw`;

test('securityfs and /tmp are mounted only where the runtime did not, securityfs only where the kernel has it', () => {
  const bare = [line(1, '/', 'overlay'), line(2, '/proc', 'proc'), line(3, '/sys', 'sysfs')].join('\n');
  assert.deepEqual(missingRuntimeMounts(bare, () => true).map((m) => m.target), ['/sys/kernel/security', '/tmp']);
  assert.deepEqual(missingRuntimeMounts(bare, () => false).map((m) => m.target), ['/tmp']);
  const full = [bare, line(4, '/sys/kernel/security', 'securityfs'), line(5, '/tmp', 'tmpfs')].join('\n');
  assert.deepEqual(missingRuntimeMounts(full, () => true), []);
});

test('a mount that fails is a warning naming it; the others are still made', () => {
  const made: string[] = [];
  const said: string[] = [];
  const log = { info: (m: string) => said.push(`info: ${m}`), warn: (m: string) => said.push(`warn: ${m}`) };
  const mounts = missingRuntimeMounts(line(1, '/', 'overlay'), () => true);
  addRuntimeMounts(mounts, (_source, target, fstype, _flags, data) => {
    if (fstype === 'securityfs') throw new Error('EPERM');
    made.push(`${fstype} ${target} ${data}`);
  }, log);
  assert.deepEqual(made, ['tmpfs /tmp mode=1777']);
  assert.deepEqual(said, ["warn: cannot mount securityfs on /sys/kernel/security (AppArmor's profiles): EPERM", 'info: mounted tmpfs on /tmp (temporary files off the image layer)']);
});
