// Property-based: lease.json is written by a container from what a DHCP server sent.
// Whatever it holds, the init either refuses it with a LeaseFormatError or gets a lease
// whose every value has its shape, and the resolv.conf rendered from it holds only
// comment, search and nameserver lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describeLease, LeaseFormatError, parseLease, type Lease } from './lease.ts';
import { renderLeaseResolvConf } from './lease-resolv-conf.ts';

function assertSound(lease: Lease): void {
  assert.ok(isIPv4(lease.ip));
  assert.match(lease.interface, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/);
  assert.ok(lease.prefix === null || (Number.isInteger(lease.prefix) && lease.prefix >= 0 && lease.prefix <= 32));
  assert.ok(lease.router.every(isIPv4));
  assert.ok(lease.dns.length <= 3 && lease.dns.every((s) => isIP(s) !== 0));
  assert.ok(lease.ntp.length <= 4 && lease.ntp.every(isIPv4));
  for (const domain of [lease.domain, ...lease.search]) assert.match(domain, /^[A-Za-z0-9_.-]*$/);
  const resolv = renderLeaseResolvConf(lease);
  for (const line of resolv.trimEnd().split('\n')) assert.match(line, /^(# .*|search [A-Za-z0-9_. -]+|nameserver [0-9A-Fa-f.:]+)$/, line);
  assert.doesNotMatch(describeLease(lease), /[\u0000-\u001f\u007f-\u009f]/);
}

function parsesSoundly(text: string): void {
  let lease: Lease;
  try {
    lease = parseLease(text);
  } catch (error) {
    assert.ok(error instanceof LeaseFormatError, String(error));
    return;
  }
  assertSound(lease);
}

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('10.0.2.3', '::1', '10.0.2.2\nnameserver 6.6.6.6', '\u001b]0;x\u0007', 'a.test', '', '999.1.1.1'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const leaseLike = fc.record(
  {
    event: fc.oneof(fc.constantFrom('bound', 'renew'), hostile),
    interface: fc.oneof(fc.constantFrom('eth0', 'eth0\n', ''), hostile),
    ip: fc.oneof(fc.constantFrom('10.0.2.15', '10.0.2.15 ', '1.2.3'), hostile),
    prefix: fc.oneof(fc.integer({ min: -5, max: 40 }), hostile),
    router: fc.oneof(fc.array(hostile, { maxLength: 12 }), hostile),
    dns: fc.oneof(fc.array(hostile, { maxLength: 12 }), hostile),
    domain: hostile,
    search: fc.oneof(fc.array(hostile, { maxLength: 12 }), hostile),
    ntp: fc.oneof(fc.array(hostile, { maxLength: 12 }), hostile),
    leaseSeconds: hostile,
    obtainedAt: hostile,
  },
  { requiredKeys: [] },
);

test('any lease-shaped JSON: a sound lease or a LeaseFormatError, never a throw of anything else', () => {
  fc.assert(fc.property(leaseLike, (raw) => parsesSoundly(JSON.stringify(raw))), { numRuns: 3000 });
});

test('any JSON value and any text at all', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => parsesSoundly(JSON.stringify(value))), { numRuns: 1000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), parsesSoundly), { numRuns: 1000 });
});
