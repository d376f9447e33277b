import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDindSettings } from './dind-settings.ts';

test('defaults are docker:dind\'s: TLS in /certs, nothing extra, iptables detected', () => {
  assert.deepEqual(readDindSettings({}), {
    tlsCertDir: '/certs',
    extraDnsNames: [],
    extraAddresses: [],
    debug: false,
    iptables: 'detect',
    storageDriver: undefined,
    warnings: [],
  });
});

test('DOCKER_TLS_CERTDIR set empty turns TLS off; a relative one is reported and the default used', () => {
  assert.equal(readDindSettings({ DOCKER_TLS_CERTDIR: '' }).tlsCertDir, undefined);
  const relative = readDindSettings({ DOCKER_TLS_CERTDIR: 'certs' });
  assert.equal(relative.tlsCertDir, '/certs');
  assert.match(relative.warnings[0]!, /DOCKER_TLS_CERTDIR=certs/);
});

test('DOCKER_TLS_SAN takes DNS:, IP: and bare entries, separated by spaces or commas', () => {
  const s = readDindSettings({ DOCKER_TLS_SAN: 'DNS:ci.example, IP:10.1.2.3 builder 192.168.9.9 IP:nope bad/name' });
  assert.deepEqual(s.extraDnsNames, ['ci.example', 'builder']);
  assert.deepEqual(s.extraAddresses, ['10.1.2.3', '192.168.9.9']);
  assert.equal(s.warnings.length, 2);
});

test('switches: DOCKER_LAUNCH_DEBUG, DOCKER_IPTABLES_LEGACY, DOCKER_DRIVER; bad values are named', () => {
  const s = readDindSettings({ DOCKER_LAUNCH_DEBUG: 'true', DOCKER_IPTABLES_LEGACY: '1', DOCKER_DRIVER: 'vfs' });
  assert.equal(s.debug, true);
  assert.equal(s.iptables, 'legacy');
  assert.equal(s.storageDriver, 'vfs');
  assert.equal(readDindSettings({ DOCKER_IPTABLES_LEGACY: '0' }).iptables, 'nft');
  const bad = readDindSettings({ DOCKER_LAUNCH_DEBUG: 'maybe', DOCKER_DRIVER: 'x y' });
  assert.equal(bad.debug, false);
  assert.equal(bad.storageDriver, undefined);
  assert.deepEqual(bad.warnings.map((w) => w.split('=')[0]).sort(), ['DOCKER_DRIVER', 'DOCKER_LAUNCH_DEBUG']);
});
