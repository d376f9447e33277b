import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLease, LeaseFormatError, parseLease, waitForLease } from './lease.ts';

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
  "serverid": "10.0.2.2",
  "leaseSeconds": 86400,
  "mtu": null,
  "obtainedAt": 1732000000
}
`;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'od-lease-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

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
    leaseSeconds: 86400,
    obtainedAt: 1732000000,
  });
  assert.equal(describeLease(lease), '10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, lease 86400 s');
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
