import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { machineAddresses, serverAddresses, serverDnsNames } from './addresses.ts';

const v4 = (address: string): NetworkInterfaceInfo => ({ address, family: 'IPv4', netmask: '255.255.255.0', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/24` });
const v6 = (address: string): NetworkInterfaceInfo => ({ address, family: 'IPv6', netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid: 0 });

test('every address of the machine, link-local and user-defined Docker networks left out', () => {
  const addresses = machineAddresses({
    lo: [v4('127.0.0.1'), v6('::1')],
    eth0: [v4('10.0.2.15'), v6('fec0::5054:ff:fe12:3456'), v6('fe80::5054:ff:fe12:3456')],
    docker0: [v4('172.17.0.1')],
    'br-0123456789ab': [v4('172.18.0.1')],
    veth1234: [v6('fe80::1')],
    eth1: [v4('169.254.10.1'), v4('192.168.1.20')],
  });
  assert.deepEqual(addresses, ['0:0:0:0:0:0:0:1', '10.0.2.15', '127.0.0.1', '172.17.0.1', '192.168.1.20', 'fec0:0:0:0:5054:ff:fe12:3456']);
});

test('the server certificate always names the host name, localhost and both loopback addresses', () => {
  assert.deepEqual(serverDnsNames('Only-Docker'), ['only-docker', 'localhost']);
  assert.deepEqual(serverDnsNames('localhost'), ['localhost']);
  assert.deepEqual(serverAddresses([]), ['127.0.0.1', '0:0:0:0:0:0:0:1']);
  assert.deepEqual(serverAddresses(['10.0.2.15', '::1']), ['127.0.0.1', '0:0:0:0:0:0:0:1', '10.0.2.15']);
});
