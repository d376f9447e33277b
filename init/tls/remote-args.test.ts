import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remoteApiArgs } from './remote-args.ts';
import { tlsLayout } from './layout.ts';

const layout = tlsLayout('/var/lib/docker/.only-docker/tls');
const socket = '/var/run/docker.sock';

test('od.remote=tls: the unix socket plus TLS on 2376 with client verification, nothing plain', () => {
  const { args, warnings, listeners } = remoteApiArgs({ tls: true, insecure: false }, layout, socket);
  assert.deepEqual(args, [
    '-H', 'unix:///var/run/docker.sock',
    '-H', 'tcp://[::]:2376',
    '--tlsverify',
    '--tlscacert=/var/lib/docker/.only-docker/tls/server/ca.pem',
    '--tlscert=/var/lib/docker/.only-docker/tls/server/cert.pem',
    '--tlskey=/var/lib/docker/.only-docker/tls/server/key.pem',
  ]);
  assert.deepEqual(warnings, []);
  assert.equal(listeners.length, 1);
  assert.ok(!args.some((a) => a.includes('2375')));
});

test('off by default: no flags at all (dockerd keeps its default socket)', () => {
  assert.deepEqual(remoteApiArgs({ tls: false, insecure: false }, layout, socket), { args: [], warnings: [], listeners: [] });
});

test('od.remote.insecure alone: plain 2375, with a loud warning', () => {
  const { args, warnings } = remoteApiArgs({ tls: false, insecure: true }, undefined, socket);
  assert.deepEqual(args, ['-H', 'unix:///var/run/docker.sock', '-H', 'tcp://[::]:2375']);
  assert.match(warnings.join('\n'), /WITHOUT TLS/);
  assert.ok(warnings.length >= 3);
});

test('both: TLS wins (dockerd has one TLS setting for all TCP listeners), and the console says why', () => {
  const { args, warnings } = remoteApiArgs({ tls: true, insecure: true }, layout, socket);
  assert.ok(args.includes('--tlsverify'));
  assert.ok(!args.some((a) => a.includes('2375')));
  assert.match(warnings[0]!, /od.remote.insecure ignored/);
});

test('TLS asked for but no certificates: no TCP listener at all rather than an open one', () => {
  const { args, warnings } = remoteApiArgs({ tls: true, insecure: false }, undefined, socket);
  assert.deepEqual(args, []);
  assert.match(warnings.join('\n'), /remote API stays off/);
});
