import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, isLinkLocal } from './ip-address.ts';

test('IPv6 addresses get one spelling; IPv4 and non-addresses are left alone', () => {
  assert.equal(canonicalIp('::1'), '0:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '0:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('FEC0::5054:FF:FE12:3456'), 'fec0:0:0:0:5054:ff:fe12:3456');
  assert.equal(canonicalIp('fec0:0000::0001'), 'fec0:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('::'), '0:0:0:0:0:0:0:0');
  assert.equal(canonicalIp('2001:db8::'), '2001:db8:0:0:0:0:0:0');
  assert.equal(canonicalIp('::ffff:10.0.2.15'), '0:0:0:0:0:ffff:a00:20f');
  assert.equal(canonicalIp('fe80::1%eth0'), 'fe80:0:0:0:0:0:0:1');
  assert.equal(canonicalIp('10.0.2.15'), '10.0.2.15');
  assert.equal(canonicalIp('localhost'), 'localhost');
});

test('link-local addresses are recognised (they cannot be named in a certificate)', () => {
  assert.ok(isLinkLocal('fe80::5054:ff:fe12:3456'));
  assert.ok(isLinkLocal('FEBF::1'));
  assert.ok(isLinkLocal('169.254.3.4'));
  assert.ok(!isLinkLocal('fec0::1'));
  assert.ok(!isLinkLocal('::1'));
  assert.ok(!isLinkLocal('10.0.2.15'));
});
