import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeSys } from '../testing/fake-sys.ts';
import { copyClientCertificates, hasVirtioShare } from './cert-share.ts';
import { makeLayoutDirs, tlsLayout } from './layout.ts';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'od-share-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const driverDir = join(dir, 'sys/bus/virtio/drivers/9pnet_virtio');
  const device = (name: string, tag: string) => {
    mkdirSync(join(driverDir, name), { recursive: true });
    writeFileSync(join(driverDir, name, 'mount_tag'), tag);
  };
  return { dir, driverDir, device, mountPoint: join(dir, 'run/share') };
}

test('the share is found by its tag among the 9p devices', (t) => {
  const { driverDir, device } = setup(t);
  assert.equal(hasVirtioShare(driverDir, 'odcerts'), false, 'no driver directory');
  device('virtio1', 'other');
  assert.equal(hasVirtioShare(driverDir, 'odcerts'), false);
  device('virtio4', 'odcerts\0');
  assert.equal(hasVirtioShare(driverDir, 'odcerts'), true);
});

test('client/{ca,cert,key}.pem are copied to the mounted share, the key 0600, then it is unmounted', async (t) => {
  const { dir, driverDir, device, mountPoint } = setup(t);
  const layout = tlsLayout(join(dir, 'tls'));
  await makeLayoutDirs(layout);
  writeFileSync(layout.client.ca, 'CA');
  writeFileSync(layout.client.cert, 'CERT');
  writeFileSync(layout.client.key, 'KEY');
  const sys = fakeSys();
  assert.equal(await copyClientCertificates({ sys, layout, driverDir, mountPoint }), false, 'no share: nothing done');
  assert.deepEqual(sys.calls, []);

  device('virtio2', 'odcerts');
  assert.equal(await copyClientCertificates({ sys, layout, driverDir, mountPoint }), true);
  assert.deepEqual(sys.calls, [
    { name: 'mount', args: ['odcerts', mountPoint, '9p', 2 | 4 | 8, 'trans=virtio,version=9p2000.L'] },
    { name: 'umount2', args: [mountPoint, 0] },
  ]);
  assert.equal(readFileSync(join(mountPoint, 'cert.pem'), 'utf8'), 'CERT');
  assert.equal(readFileSync(join(mountPoint, 'ca.pem'), 'utf8'), 'CA');
  assert.equal(readFileSync(join(mountPoint, 'key.pem'), 'utf8'), 'KEY');
  assert.equal(statSync(join(mountPoint, 'key.pem')).mode & 0o777, 0o600);
});

test('a share that cannot be mounted is an error that names it', async (t) => {
  const { dir, driverDir, device, mountPoint } = setup(t);
  device('virtio0', 'odcerts');
  const sys = fakeSys();
  sys.failNext('mount', 'ENODEV');
  await assert.rejects(copyClientCertificates({ sys, layout: tlsLayout(join(dir, 'tls')), driverDir, mountPoint }), { name: 'CertShareError', message: /cannot mount the odcerts share/ });
});
