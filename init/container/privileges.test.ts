import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPrivileged, effectiveCapabilities, NotPrivilegedError, privilegeProblem } from './privileges.ts';

const sysRw = '22 21 0:20 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n';
const sysRo = '22 21 0:20 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n';
// Values seen in real containers: --privileged, and Docker's default set.
const privileged = 'Name:\tinit\nCapEff:\t000001ffffffffff\n';
const unprivileged = 'Name:\tinit\nCapEff:\t00000000a80425fb\n';

test('reads CapEff as a bit mask', () => {
  assert.equal(effectiveCapabilities(privileged), 0x1ffffffffffn);
  assert.equal(effectiveCapabilities('Name: x\n'), undefined);
});

test('--privileged passes; Docker\'s default capabilities name what is missing', () => {
  assert.equal(privilegeProblem({ statusText: privileged, mountinfoText: sysRw }), undefined);
  assert.equal(privilegeProblem({ statusText: unprivileged, mountinfoText: sysRo }), 'missing CAP_SYS_ADMIN, CAP_NET_ADMIN');
});

test('capabilities added by hand with /sys still read-only are not enough', () => {
  assert.equal(privilegeProblem({ statusText: privileged, mountinfoText: sysRo }), '/sys is mounted read-only');
});

test('the error names --privileged', () => {
  const files: Record<string, string> = { '/proc/self/status': unprivileged, '/proc/self/mountinfo': sysRo };
  assert.throws(() => checkPrivileged((p) => files[p]!), (error: unknown) => error instanceof NotPrivilegedError && /--privileged/.test(error.message));
});
