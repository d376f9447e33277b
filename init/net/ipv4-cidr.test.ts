import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4Cidr, isHostAddress, parseIpv4Cidr } from './ipv4-cidr.ts';

test('an IPv4 address with its prefix, and nothing else', () => {
  assert.deepEqual(parseIpv4Cidr('10.0.2.15/24'), { ip: '10.0.2.15', prefix: 24 });
  assert.deepEqual(parseIpv4Cidr('0.0.0.0/0'), { ip: '0.0.0.0', prefix: 0 });
  for (const bad of ['10.0.2.15', '10.0.2.15/33', '10.0.2.15/24/1', '10.0.2/24', '256.0.0.1/8', 'fd00::1/64', '10.0.2.15/', '10.0.2.15/+8']) {
    assert.equal(parseIpv4Cidr(bad), undefined, bad);
  }
  assert.equal(formatIpv4Cidr({ ip: '172.30.0.1', prefix: 16 }), '172.30.0.1/16');
});

test("the subnet's network and broadcast addresses are no host's", () => {
  assert.equal(isHostAddress({ ip: '172.30.0.1', prefix: 24 }), true);
  assert.equal(isHostAddress({ ip: '172.30.0.0', prefix: 24 }), false);
  assert.equal(isHostAddress({ ip: '172.30.0.255', prefix: 24 }), false);
  assert.equal(isHostAddress({ ip: '10.255.255.255', prefix: 8 }), false);
});
