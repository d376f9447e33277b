// The upgrade path: a DOCKER disk from a version that made RSA keys. Its client
// certificates are on users' machines; a newer init keeps them working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { ensureCertificates, type EnsureOptions } from './ensure-certificates.ts';
import { serverAddresses, serverDnsNames } from './addresses.ts';
import { tlsLayout, type TlsLayout } from './layout.ts';
import { x509 } from './x509.ts';

const fixture = join(import.meta.dirname, 'fixtures/rsa-2048-v0.1');
/** The day after the fixture was made: everything in it is in date. */
const dayAfter = new Date('2026-12-02T00:00:00Z');

function oldDisk(t: { after(fn: () => unknown): void }): TlsLayout {
  const dir = join(tempDir(t, 'od-tls-rsa-'), 'tls');
  cpSync(fixture, dir, { recursive: true, filter: (path) => !path.endsWith('.md') });
  return tlsLayout(dir);
}

function options(layout: TlsLayout, more: Partial<EnsureOptions> = {}): EnsureOptions {
  return { dir: layout.root, dnsNames: serverDnsNames('only-docker'), addresses: serverAddresses(['10.0.2.15']), keepOldAddresses: false, now: dayAfter, ...more };
}

const read = (path: string) => readFileSync(path, 'utf8');
const files = (layout: TlsLayout) => [layout.ca.cert, layout.ca.key, layout.server.cert, layout.server.key, layout.server.ca, layout.client.cert, layout.client.key, layout.client.ca];
const signature = (pem: string) => (new x509.X509Certificate(pem).signatureAlgorithm as unknown as { name: string }).name;
const pkcs8 = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

test('an RSA certificate directory from an older version is kept byte for byte, before and after the network', async (t) => {
  const layout = oldDisk(t);
  const before = files(layout).map(read);
  for (const keepOldAddresses of [true, false]) {
    const result = await ensureCertificates(options(layout, { keepOldAddresses }));
    assert.deepEqual([result.issued, result.newKeys, result.reasons], [[], [], []]);
    assert.equal(result.clientFingerprint, new X509Certificate(read(join(fixture, 'client/cert.pem'))).fingerprint256);
  }
  assert.deepEqual(files(layout).map(read), before);
});

test('a new address re-issues the server certificate under the RSA CA, with RSA, for the same key', async (t) => {
  const layout = oldDisk(t);
  const before = files(layout).map(read);
  const result = await ensureCertificates(options(layout, { addresses: serverAddresses(['10.0.2.15', '192.168.1.7']) }));
  assert.deepEqual([result.issued, result.newKeys, result.reasons], [['server'], [], ['server: does not name 192.168.1.7']]);
  const changed = files(layout).filter((file, index) => read(file) !== before[index]);
  assert.deepEqual(changed, [layout.server.cert], 'the CA, the keys and the client certificate stay');

  const ca = new X509Certificate(read(layout.ca.cert));
  const server = new X509Certificate(read(layout.server.cert));
  assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
  assert.equal(signature(read(layout.server.cert)), 'RSASSA-PKCS1-v1_5');
  assert.equal(server.checkIP('192.168.1.7'), '192.168.1.7');
  assert.equal(server.publicKey.asymmetricKeyType, 'rsa');
});

test('near their end, the RSA leaves are renewed with their own keys under the RSA CA', async (t) => {
  const layout = oldDisk(t);
  const keys = [layout.ca.key, layout.server.key, layout.client.key].map(read);
  const ca = read(layout.ca.cert);
  const result = await ensureCertificates(options(layout, { now: new Date('2029-02-20T00:00:00Z') }));
  assert.deepEqual([result.issued, result.newKeys], [['server', 'client'], []]);
  assert.deepEqual([layout.ca.key, layout.server.key, layout.client.key].map(read), keys);
  assert.equal(read(layout.ca.cert), ca);
  for (const cert of [layout.server.cert, layout.client.cert]) {
    assert.ok(new X509Certificate(read(cert)).verify(new X509Certificate(ca).publicKey), cert);
    assert.equal(signature(read(cert)), 'RSASSA-PKCS1-v1_5');
  }
});

test('in an RSA directory, a replaced key is a P-256 key whose certificate the RSA CA signs', async (t) => {
  const layout = oldDisk(t);
  const ca = read(layout.ca.cert);
  writeFileSync(layout.client.key, 'garbage');
  const result = await ensureCertificates(options(layout));
  assert.deepEqual([result.issued, result.newKeys, result.reasons], [['client'], ['client'], ['client: new key (key.pem was unreadable)']]);
  const client = new X509Certificate(read(layout.client.cert));
  assert.equal(client.publicKey.asymmetricKeyType, 'ec');
  assert.ok(client.verify(new X509Certificate(ca).publicKey));
  assert.equal(signature(read(layout.client.cert)), 'RSASSA-PKCS1-v1_5');
  assert.equal(read(layout.ca.cert), ca);
});

test('keys of other kinds are replaced: an Ed25519 CA key means a new P-256 CA, an RSA-1024 server key a new server key', async (t) => {
  const layout = oldDisk(t);
  writeFileSync(layout.server.key, pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey));
  const weak = await ensureCertificates(options(layout));
  assert.deepEqual([weak.issued, weak.newKeys, weak.reasons], [['server'], ['server'], ['server: new key (key.pem was an RSA key of 1024 bits, fewer than 2048)']]);
  assert.equal(createPrivateKey(read(layout.server.key)).asymmetricKeyType, 'ec');
  assert.equal(signature(read(layout.server.cert)), 'RSASSA-PKCS1-v1_5', 'still under the RSA CA');

  writeFileSync(layout.ca.key, pkcs8(generateKeyPairSync('ed25519').privateKey));
  const foreign = await ensureCertificates(options(layout));
  assert.deepEqual(foreign.reasons, ['ca: new key (key.pem was a key of type ed25519)', 'server: new CA', 'client: new CA']);
  assert.deepEqual(foreign.newKeys, ['ca']);
  const ca = new X509Certificate(read(layout.ca.cert));
  assert.equal(ca.publicKey.asymmetricKeyType, 'ec');
  for (const cert of [layout.server.cert, layout.client.cert]) assert.ok(new X509Certificate(read(cert)).verify(ca.publicKey), cert);
  // The RSA client key is kept: only its certificate is new.
  assert.equal(createPrivateKey(read(layout.client.key)).asymmetricKeyType, 'rsa');
});
