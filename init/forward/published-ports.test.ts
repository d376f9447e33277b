import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishedPorts, reachableBinding } from './published-ports.ts';
import { dockerLine, portsLine } from './forward-line.ts';

test('published ports: each once, TCP and UDP, only bindings the VM network reaches', () => {
  const ports = publishedPorts([
    {
      Id: 'a',
      Ports: [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 18081, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 18081, Type: 'tcp' },
        { PrivatePort: 443, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 22, PublicPort: 2222, Type: 'tcp' },
        { IP: '::1', PrivatePort: 23, PublicPort: 2323, Type: 'tcp' },
      ],
    },
    { Id: 'b', Ports: [{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }, { IP: '10.0.2.15', PrivatePort: 8080, PublicPort: 8080, Type: 'tcp' }] },
    { Id: 'c', Ports: [{ IP: '0.0.0.0', PrivatePort: 9, PublicPort: 9, Type: 'sctp' }] },
    { Id: 'd', Ports: null },
    { Id: 'e' },
  ]);
  assert.deepEqual(ports, [
    { protocol: 'tcp', port: 8080 },
    { protocol: 'tcp', port: 18081 },
    { protocol: 'udp', port: 5353 },
  ]);
  assert.equal(portsLine(ports), 'ports tcp:8080 tcp:18081 udp:5353');
  assert.equal(portsLine([]), 'ports');
  assert.equal(dockerLine('26.1.5', '1.45'), 'docker 26.1.5 1.45');
});

test('a binding is reachable on every address or a non-loopback one', () => {
  for (const ip of [undefined, '', '0.0.0.0', '::', '10.0.2.15', 'fec0::15']) assert.equal(reachableBinding(ip), true, String(ip));
  for (const ip of ['127.0.0.1', '127.0.1.1', '::1', '0:0:0:0:0:0:0:1']) assert.equal(reachableBinding(ip), false, ip);
});
