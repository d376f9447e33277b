import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLease, LeaseFormatError, parseLease, waitForLease } from './lease.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

// As images/dhcp/rootfs/usr/share/udhcpc/default.script writes it.
const sample = `{
  "event": "bound",
  "interface": "eth0",
  "ip": "10.0.2.15",
  "prefix": 24,
  "subnet": "255.255.255.0",
  "broadcast": "",
  "router": ["10.0.2.2"],
  "dns": ["10.0.2.3"],
  "domain": "",
  "search": [],
  "ntp": ["10.0.2.2"],
  "serverid": "10.0.2.2",
  "leaseSeconds": 86400,
  "mtu": null,
  "obtainedAt": 1732000000
}
`;

test('parseLease reads the DHCP image format', () => {
  const lease = parseLease(sample);
  assert.deepEqual(lease, {
    event: 'bound',
    interface: 'eth0',
    ip: '10.0.2.15',
    prefix: 24,
    router: ['10.0.2.2'],
    dns: ['10.0.2.3'],
    domain: '',
    search: [],
    ntp: ['10.0.2.2'],
    leaseSeconds: 86400,
    obtainedAt: 1732000000,
  });
  assert.equal(describeLease(lease), '10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, lease 86400 s');
});

test('a lease.json without ntp (an older DHCP image) names no time servers; a malformed list reads as none', () => {
  const withoutNtp = JSON.parse(sample) as Record<string, unknown>;
  delete withoutNtp.ntp;
  assert.deepEqual(parseLease(JSON.stringify(withoutNtp)).ntp, []);
  assert.deepEqual(parseLease(JSON.stringify({ ...withoutNtp, ntp: '10.0.2.2' })).ntp, []);
});

test('parseLease refuses files that are not a lease', () => {
  assert.throws(() => parseLease('{'), LeaseFormatError);
  assert.throws(() => parseLease('{"interface":"eth0","ip":""}'), /no IPv4 address/);
  assert.throws(() => parseLease('{"ip":"10.0.2.15"}'), /names no interface/);
});

test('waitForLease resolves when the file appears', async (t) => {
  const path = join(tempDir(t), 'lease.json');
  setTimeout(() => writeFileSync(path, sample), 150);
  const started = Date.now();
  const lease = await waitForLease(path, { timeoutMs: 5000, intervalMs: 20 });
  assert.equal(lease?.ip, '10.0.2.15');
  assert.ok(Date.now() - started < 2000);
});

test('waitForLease gives undefined after the timeout, and reports a malformed file', async (t) => {
  const dir = tempDir(t);
  assert.equal(await waitForLease(join(dir, 'lease.json'), { timeoutMs: 200, intervalMs: 50 }), undefined);
  writeFileSync(join(dir, 'bad.json'), '{"interface":"eth0"}');
  await assert.rejects(waitForLease(join(dir, 'bad.json'), { timeoutMs: 200, intervalMs: 50 }), LeaseFormatError);
});

test('parseLease keeps each value only in the shape it may have', () => {
  const lease = parseLease(
    JSON.stringify({
      event: 'bound',
      interface: 'eth0',
      ip: '10.0.2.15',
      prefix: 99,
      router: ['10.0.2.2', '10.0.2.2\nnameserver 6.6.6.6', 7],
      dns: ['10.0.2.3', 'evil\u001b]0;owned\u0007', '::1', '1.1.1.1', '8.8.8.8'],
      domain: 'example.test\nnameserver 6.6.6.6',
      search: ['a.test', 'b..test', '\u001b[2J'],
      ntp: ['10.0.2.2', '::1', 'pool.ntp.org', '10.0.2.2\nserver 6.6.6.6', '1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'],
      leaseSeconds: -5,
      obtainedAt: 1.5,
    }),
  );
  assert.equal(lease.prefix, null);
  assert.deepEqual(lease.router, ['10.0.2.2']);
  assert.deepEqual(lease.dns, ['10.0.2.3', '::1', '1.1.1.1']);
  assert.equal(lease.domain, '');
  assert.deepEqual(lease.search, ['a.test']);
  assert.deepEqual(lease.ntp, ['10.0.2.2', '1.1.1.1', '2.2.2.2', '3.3.3.3'], 'IPv4 addresses only, at most four');
  assert.equal(lease.leaseSeconds, null);
  assert.equal(lease.obtainedAt, null);
  assert.throws(() => parseLease('{"ip":"10.0.2.15","interface":"eth0\\u001b[2J"}'), /names no interface/);
  assert.throws(() => parseLease('[]'), /not an object/);
});

test('waitForLease reads lease.json as a regular file only: a FIFO, a link or a huge file is refused, never waited on', async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'fifo.json');
  execFileSync('mkfifo', [fifo]);
  const started = Date.now();
  // Opening a FIFO without a writer would block for ever without O_NONBLOCK.
  await assert.rejects(waitForLease(fifo, { timeoutMs: 300, intervalMs: 50 }), /not a regular file/);
  assert.ok(Date.now() - started < 5000);
  writeFileSync(join(dir, 'real.json'), sample);
  symlinkSync(join(dir, 'real.json'), join(dir, 'link.json'));
  await assert.rejects(waitForLease(join(dir, 'link.json'), { timeoutMs: 200, intervalMs: 50 }), /symbolic link/);
  writeFileSync(join(dir, 'big.json'), sample.replace('"eth0"', `"eth0", "pad": "${'x'.repeat(20_000)}"`));
  await assert.rejects(waitForLease(join(dir, 'big.json'), { timeoutMs: 200, intervalMs: 50 }), /more than the 16384/);
  assert.equal((await waitForLease(join(dir, 'real.json'), { timeoutMs: 200 }))?.ip, '10.0.2.15');
});
