import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLease } from '../net/lease.ts';
import { chooseTimeServers } from './time-servers.ts';

const lease = (ntp: string[]) => parseLease(JSON.stringify({ interface: 'eth0', ip: '10.0.2.15', ntp }));

test('the configuration wins over the lease; an empty list turns the client off', () => {
  assert.deepEqual(chooseTimeServers(['pool.ntp.org'], lease(['10.0.2.2'])), { servers: ['pool.ntp.org'], from: 'configuration' });
  assert.deepEqual(chooseTimeServers([], lease(['10.0.2.2'])), { reason: 'ntp.servers is empty in the configuration: no time client' });
});

test('without ntp: in the configuration, the servers the lease names', () => {
  assert.deepEqual(chooseTimeServers(null, lease(['10.0.2.2', '10.0.2.4'])), { servers: ['10.0.2.2', '10.0.2.4'], from: 'lease' });
});

test('none named and none configured: no time client, and why', () => {
  assert.deepEqual(chooseTimeServers(null, lease([])), {
    reason: 'no ntp.servers in the configuration and the DHCP lease of eth0 names no time server: no time client',
  });
  assert.deepEqual(chooseTimeServers(null, undefined), { reason: 'no ntp.servers in the configuration and no DHCP lease: no time client' });
});
