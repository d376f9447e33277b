import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, type Issuer } from './certificates.ts';
import { generatePrivateKey } from './keys.ts';
import { x509 } from './x509.ts';

const day = 86_400_000;
const notBefore = new Date(Date.now() - day);
const notAfter = new Date(Date.now() + 100 * day);
const names = ['only-docker', 'localhost', '127.0.0.1', '::1', '::ffff:10.0.2.15'];
const fixture = (path: string) => readFileSync(join(import.meta.dirname, 'fixtures/rsa-2048-v0.1', path), 'utf8');

/** The DER elements inside a constructed element (a SEQUENCE's fields), raw. */
function derFields(der: Uint8Array): Uint8Array[] {
  const bounds = (at: number) => {
    let length = der[at + 1]!;
    let header = 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + der[at + 2 + i]!;
      header += bytes;
    }
    return { content: at + header, end: at + header + length };
  };
  const outer = bounds(0);
  const fields: Uint8Array[] = [];
  for (let at = outer.content; at < outer.end; at = bounds(at).end) fields.push(der.subarray(at, bounds(at).end));
  return fields;
}

/** TBSCertificate's fields: version, serial, signature, issuer, validity, subject, key, extensions. */
const tbs = (cert: X509Certificate) => derFields(derFields(cert.raw)[0]!);

function described(pem: string) {
  const cert = new x509.X509Certificate(pem);
  const algorithm = cert.signatureAlgorithm as unknown as { name: string; hash?: { name: string } };
  return {
    signature: `${algorithm.name}/${algorithm.hash?.name}`,
    usages: cert.getExtension(x509.KeyUsagesExtension)?.usages,
    keyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
  };
}

async function newCa(): Promise<Issuer> {
  const keyPem = await generatePrivateKey();
  return { keyPem, certPem: await createCertificate({ kind: 'ca', commonName: 'only-docker CA', keyPem, notBefore, notAfter }) };
}

test('ECDSA: a P-256 CA signs server and client certificates that Node verifies for their names', async () => {
  const issuer = await newCa();
  const [serverKey, clientKey] = await Promise.all([generatePrivateKey(), generatePrivateKey()]);
  const ca = new X509Certificate(issuer.certPem);
  const server = new X509Certificate(await createCertificate({ kind: 'server', commonName: 'only-docker', keyPem: serverKey, issuer, names, notBefore, notAfter }));
  const client = new X509Certificate(await createCertificate({ kind: 'client', commonName: 'only-docker client', keyPem: clientKey, issuer, notBefore, notAfter }));

  assert.ok(ca.ca && ca.checkIssued(ca) && ca.verify(ca.publicKey), 'a self-signed CA');
  assert.equal(ca.publicKey.asymmetricKeyType, 'ec');
  assert.equal(ca.subject, 'O=only-docker\nCN=only-docker CA');
  for (const leaf of [server, client]) {
    assert.ok(!leaf.ca && leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.equal(leaf.issuer, ca.subject);
    assert.equal(new Date(leaf.validFrom).getTime(), Math.floor(notBefore.getTime() / 1000) * 1000);
    assert.equal(new Date(leaf.validTo).getTime(), Math.floor(notAfter.getTime() / 1000) * 1000);
    // A 16-byte positive INTEGER with no padding byte (Go refuses negative serials).
    const serial = tbs(leaf)[1]!;
    assert.deepEqual([serial[0], serial[1]], [0x02, 16]);
    assert.ok(serial[2]! >= 0x40 && serial[2]! <= 0x7f, leaf.serialNumber);
  }
  assert.notEqual(server.serialNumber, client.serialNumber);
  assert.equal(server.subject, 'O=only-docker\nCN=only-docker');
  assert.equal(server.subjectAltName, 'DNS:only-docker, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:A00:20F');
  assert.equal(server.checkHost('only-docker'), 'only-docker');
  assert.equal(server.checkHost('other'), undefined);
  assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(server.checkIP('::1'), '::1');
  assert.equal(server.checkIP('10.0.2.16'), undefined);
  assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);

  const { KeyUsageFlags: usage } = x509;
  const [caFacts, serverFacts, clientFacts] = [issuer.certPem, server.toString(), client.toString()].map(described);
  for (const facts of [caFacts, serverFacts, clientFacts]) {
    assert.equal(facts!.signature, 'ECDSA/SHA-256');
    assert.equal(facts!.authorityKeyId, caFacts!.keyId, 'the identifiers chain');
  }
  assert.equal(caFacts!.usages, usage.keyCertSign | usage.cRLSign);
  assert.equal(serverFacts!.usages, usage.digitalSignature, 'no keyEncipherment for an EC key');
  assert.equal(clientFacts!.usages, usage.digitalSignature);
  const constraints = new x509.X509Certificate(issuer.certPem).getExtension(x509.BasicConstraintsExtension);
  assert.deepEqual([constraints?.ca, constraints?.pathLength, constraints?.critical], [true, 0, true]);
});

test('under an RSA CA from an older version, new certificates are signed with RSA and chain to it byte for byte', async () => {
  const issuer = { certPem: fixture('ca/cert.pem'), keyPem: fixture('ca/key.pem') };
  const ca = new X509Certificate(issuer.certPem);
  for (const keyPem of [fixture('server/key.pem'), await generatePrivateKey()]) {
    const pem = await createCertificate({ kind: 'server', commonName: 'only-docker', keyPem, issuer, names, notBefore, notAfter });
    const server = new X509Certificate(pem);
    assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
    // Go finds a certificate's parent by comparing these bytes.
    assert.deepEqual(tbs(server)[3], tbs(ca)[5], 'issuer = the CA\'s subject, as encoded');
    const facts = described(pem);
    assert.equal(facts.signature, 'RSASSA-PKCS1-v1_5/SHA-256');
    assert.equal(facts.authorityKeyId, described(issuer.certPem).keyId);
    const rsa = server.publicKey.asymmetricKeyType === 'rsa';
    assert.equal(facts.usages, rsa ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature);
  }
});

test('a leaf without an issuer, or a key that cannot sign, is refused with a typed error', async () => {
  await assert.rejects(createCertificate({ kind: 'client', commonName: 'x', keyPem: await generatePrivateKey(), notBefore, notAfter }), { name: 'CertificateError', message: 'a client certificate needs an issuer' });
  await assert.rejects(createCertificate({ kind: 'ca', commonName: 'x', keyPem: 'garbage', notBefore, notAfter }), (error: Error) => error.name === 'CertificateError' && error.cause instanceof Error);
});
