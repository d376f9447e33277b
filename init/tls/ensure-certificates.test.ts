import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCertificates, leafLifetimeDays, type EnsureOptions } from './ensure-certificates.ts';
import { createCertificate } from './certificates.ts';
import { generatePrivateKey } from './keys.ts';
import { inspectCertificate } from './inspect.ts';
import { tlsLayout } from './layout.ts';
import { serverAddresses, serverDnsNames } from './addresses.ts';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function workDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'od-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'tls');
}

function options(dir: string, more: Partial<EnsureOptions> = {}): EnsureOptions {
  return {
    dir,
    dnsNames: serverDnsNames('only-docker'),
    addresses: serverAddresses(['10.0.2.15']),
    keepOldAddresses: false,
    ...more,
  };
}

const read = (path: string) => readFileSync(path, 'utf8');
const mode = (path: string) => statSync(path).mode & 0o777;

test('first run: a CA signs a server certificate for the names and a client certificate, in the dind layout', async (t) => {
  const dir = workDir(t);
  const result = await ensureCertificates(options(dir));
  const layout = tlsLayout(dir);
  assert.deepEqual(result.issued, ['ca', 'server', 'client']);
  assert.deepEqual(result.newKeys.sort(), ['ca', 'client', 'server']);
  assert.equal(result.managedByUser, false);

  for (const file of [layout.ca.key, layout.server.key, layout.client.key]) {
    assert.equal(mode(file), 0o600, file);
    assert.match(read(file), /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8');
    assert.equal(createPrivateKey(read(file)).asymmetricKeyDetails?.namedCurve, 'prime256v1', file);
  }
  for (const file of [layout.ca.cert, layout.server.cert, layout.server.ca, layout.client.cert, layout.client.ca]) assert.equal(mode(file), 0o644, file);
  for (const d of [layout.root, layout.ca.dir, layout.server.dir, layout.client.dir]) assert.equal(mode(d), 0o700, d);
  assert.equal(read(layout.server.ca), read(layout.ca.cert));
  assert.equal(read(layout.client.ca), read(layout.ca.cert));

  const ca = new X509Certificate(read(layout.ca.cert));
  const server = new X509Certificate(read(layout.server.cert));
  const client = new X509Certificate(read(layout.client.cert));
  assert.ok(ca.ca);
  assert.ok(server.verify(ca.publicKey) && server.checkIssued(ca));
  assert.ok(client.verify(ca.publicKey) && client.checkIssued(ca));
  assert.equal(server.subjectAltName, 'DNS:only-docker, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.2.15');
  assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth only');
  assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'clientAuth only');
  assert.equal(server.checkHost('only-docker'), 'only-docker');
  assert.equal(server.checkIP('10.0.2.15'), '10.0.2.15');
  assert.equal(server.checkIP('::1'), '::1');
  assert.equal(result.clientFingerprint, client.fingerprint256);
  const lifetime = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / 86_400_000;
  assert.ok(Math.abs(lifetime - (leafLifetimeDays + 1)) < 0.01, `${lifetime} days`);

  if (hasOpenssl) {
    // What clients do: verify for the purpose, with the CA file beside the certificate.
    const verify = (purpose: string, cert: string) => execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', layout.client.ca, cert], { encoding: 'utf8' });
    assert.match(verify('sslserver', layout.server.cert), /: OK/);
    assert.match(verify('sslclient', layout.client.cert), /: OK/);
    assert.throws(() => verify('sslclient', layout.server.cert), 'a server certificate cannot log in');
    assert.throws(() => verify('sslserver', layout.client.cert), 'a client certificate cannot serve');
  }
});

test('the next run keeps everything: same CA, same client certificate', async (t) => {
  const dir = workDir(t);
  const first = await ensureCertificates(options(dir));
  const layout = tlsLayout(dir);
  const before = [layout.ca.cert, layout.ca.key, layout.server.cert, layout.client.cert, layout.client.key].map(read);
  const second = await ensureCertificates(options(dir));
  assert.deepEqual(second.issued, []);
  assert.deepEqual(second.newKeys, []);
  assert.equal(second.clientFingerprint, first.clientFingerprint);
  assert.deepEqual([layout.ca.cert, layout.ca.key, layout.server.cert, layout.client.cert, layout.client.key].map(read), before);
});

test('a new address replaces only the server certificate; fewer addresses replace nothing', async (t) => {
  const dir = workDir(t);
  const first = await ensureCertificates(options(dir, { addresses: serverAddresses([]) }));
  const layout = tlsLayout(dir);
  const ca = read(layout.ca.cert);
  const serverKey = read(layout.server.key);

  const moved = await ensureCertificates(options(dir, { addresses: serverAddresses(['10.0.2.15', '172.17.0.1']) }));
  assert.deepEqual(moved.issued, ['server']);
  assert.deepEqual(moved.reasons, ['server: does not name 10.0.2.15, 172.17.0.1']);
  assert.deepEqual(moved.newKeys, [], 'the server key is kept');
  assert.equal(read(layout.server.key), serverKey);
  assert.equal(read(layout.ca.cert), ca);
  assert.equal(moved.clientFingerprint, first.clientFingerprint);
  assert.deepEqual(moved.serverNames, ['only-docker', 'localhost', '127.0.0.1', '0:0:0:0:0:0:0:1', '10.0.2.15', '172.17.0.1']);

  // Before the network is up only loopback is there: last boot's certificate still fits.
  const early = await ensureCertificates(options(dir, { addresses: serverAddresses([]) }));
  assert.deepEqual(early.issued, []);
});

test('before the network, a replaced server certificate keeps the old addresses; after it, only the current ones', async (t) => {
  const dir = workDir(t);
  await ensureCertificates(options(dir, { addresses: serverAddresses(['10.0.2.15']) }));
  const renamed = await ensureCertificates(options(dir, { dnsNames: serverDnsNames('box'), addresses: serverAddresses([]), keepOldAddresses: true }));
  assert.deepEqual(renamed.reasons, ['server: does not name box']);
  assert.deepEqual(inspectCertificate(read(tlsLayout(dir).server.cert))!.x509.subjectAltName, 'DNS:box, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.2.15');

  const moved = await ensureCertificates(options(dir, { dnsNames: serverDnsNames('box'), addresses: serverAddresses(['192.168.1.7']) }));
  assert.deepEqual(moved.issued, ['server']);
  assert.equal(inspectCertificate(read(tlsLayout(dir).server.cert))!.x509.subjectAltName, 'DNS:box, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.7');
});

test('certificates near their end are renewed with the same keys; the CA lives on', async (t) => {
  const dir = workDir(t);
  const layout = tlsLayout(dir);
  await ensureCertificates(options(dir));
  const keys = [layout.server.key, layout.client.key].map(read);
  const ca = read(layout.ca.cert);
  const later = new Date(Date.now() + (leafLifetimeDays - 10) * 86_400_000);
  const renewed = await ensureCertificates(options(dir, { now: later }));
  assert.deepEqual(renewed.issued, ['server', 'client']);
  assert.match(renewed.reasons[0]!, /^server: expires /);
  assert.deepEqual([layout.server.key, layout.client.key].map(read), keys);
  assert.equal(read(layout.ca.cert), ca);
  assert.ok(new X509Certificate(read(layout.client.cert)).verify(new X509Certificate(ca).publicKey));
});

test('broken or foreign pieces are replaced, and loose key modes are tightened', async (t) => {
  const dir = workDir(t);
  const layout = tlsLayout(dir);
  await ensureCertificates(options(dir));
  chmodSync(layout.client.key, 0o644);
  writeFileSync(layout.client.cert, 'not a certificate');
  // A server certificate from another CA, with the right key and names.
  const otherCaKey = await generatePrivateKey();
  const now = new Date();
  const otherCa = await createCertificate({ kind: 'ca', commonName: 'other', keyPem: otherCaKey, notBefore: now, notAfter: new Date(Date.now() + 86_400_000 * 100) });
  writeFileSync(
    layout.server.cert,
    await createCertificate({ kind: 'server', commonName: 'x', keyPem: read(layout.server.key), issuer: { certPem: otherCa, keyPem: otherCaKey }, names: ['only-docker', 'localhost', '127.0.0.1', '::1', '10.0.2.15'], notBefore: now, notAfter: new Date(Date.now() + 86_400_000 * 100) }),
  );
  const fixed = await ensureCertificates(options(dir));
  assert.deepEqual(fixed.reasons, ['server: not signed by the CA', 'client: missing or unreadable']);
  assert.equal(mode(layout.client.key), 0o600);

  unlinkSync(layout.ca.key);
  writeFileSync(layout.ca.key, 'garbage');
  const newCa = await ensureCertificates(options(dir));
  assert.deepEqual(newCa.issued, ['ca', 'server', 'client'], 'a new CA key means everything is new');
  assert.deepEqual(newCa.newKeys, ['ca']);
});

test('server certificates without the CA key are someone else\'s and are left alone (the dind rule)', async (t) => {
  const dir = workDir(t);
  const layout = tlsLayout(dir);
  await ensureCertificates(options(dir));
  unlinkSync(layout.ca.key);
  const serverCert = read(layout.server.cert);
  const result = await ensureCertificates(options(dir, { addresses: serverAddresses(['192.0.2.1']) }));
  assert.equal(result.managedByUser, true);
  assert.deepEqual(result.issued, []);
  assert.equal(read(layout.server.cert), serverCert);
  assert.equal(existsSync(layout.ca.key), false);
});
