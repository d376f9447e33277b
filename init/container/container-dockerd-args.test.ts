import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsLayout } from '../tls/layout.ts';
import { containerDockerdArgs } from './container-dockerd-args.ts';
import { readDindSettings } from './dind-settings.ts';

const layout = tlsLayout('/certs');

test('TLS: the socket and 2376 with client verification, then the user\'s arguments', () => {
  const { args, warnings } = containerDockerdArgs(readDindSettings({}), ['--storage-driver', 'vfs'], layout);
  assert.deepEqual(args, [
    '--host=unix:///var/run/docker.sock',
    '--host=tcp://0.0.0.0:2376',
    '--tlsverify',
    '--tlscacert=/certs/server/ca.pem',
    '--tlscert=/certs/server/cert.pem',
    '--tlskey=/certs/server/key.pem',
    '--storage-driver',
    'vfs',
  ]);
  assert.deepEqual(warnings, []);
});

test('no TLS: plain 2375 and a loud warning', () => {
  const { args, warnings } = containerDockerdArgs(readDindSettings({ DOCKER_TLS_CERTDIR: '' }), [], undefined);
  assert.deepEqual(args, ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375']);
  assert.ok(warnings.some((w) => /WITHOUT TLS/.test(w)));
});

test('hosts, storage driver and debug given by the user win over ours', () => {
  const settings = readDindSettings({ DOCKER_DRIVER: 'overlay2', DOCKER_LAUNCH_DEBUG: '1' });
  assert.deepEqual(containerDockerdArgs(settings, ['-H', 'unix:///x.sock', '--storage-driver=vfs', '-D'], layout).args, [
    '-H',
    'unix:///x.sock',
    '--storage-driver=vfs',
    '-D',
  ]);
  assert.deepEqual(containerDockerdArgs(settings, [], layout).args.slice(-2), ['--storage-driver=overlay2', '--debug']);
});
