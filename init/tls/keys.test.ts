import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrivateKey, keyProblem, signingKey } from './keys.ts';

const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const fixtureKey = (kind: string) => readFileSync(join(import.meta.dirname, `fixtures/rsa-2048-v0.1/${kind}/key.pem`), 'utf8');

test('a new key is P-256 in PKCS#8 PEM, which Go reads as it reads PKCS#1', async () => {
  const key = await generatePrivateKey();
  assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
  const object = createPrivateKey(key);
  assert.equal(object.asymmetricKeyType, 'ec');
  assert.equal(object.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(keyProblem(key), undefined);
});

test('RSA keys of 2048 bits and more are kept, in PKCS#1 as older versions wrote them or in PKCS#8', () => {
  const old = fixtureKey('ca');
  assert.match(old, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.equal(keyProblem(old), undefined);
  assert.equal(keyProblem(pkcs8(createPrivateKey(old))), undefined);
  // SEC1, as `openssl ecparam -genkey` writes it.
  const sec1 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  assert.equal(keyProblem(sec1), undefined);
});

test('other keys are replaced, and say why', () => {
  assert.equal(keyProblem(undefined), 'missing');
  assert.equal(keyProblem('garbage'), 'unreadable');
  assert.equal(keyProblem(pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)), 'an RSA key of 1024 bits, fewer than 2048');
  assert.equal(keyProblem(pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)), 'an EC key on secp384r1, not P-256');
  assert.equal(keyProblem(pkcs8(generateKeyPairSync('ed25519').privateKey)), 'a key of type ed25519');
});

test('a key signs with SHA-256 in its own algorithm', async () => {
  const data = Buffer.from('to be signed');
  for (const key of [await generatePrivateKey(), fixtureKey('server')]) {
    const signer = await signingKey(key);
    const signature = Buffer.from(await globalThis.crypto.subtle.sign(signer.algorithm, signer.key, data));
    // WebCrypto's ECDSA signature is r||s, not DER: the library converts it for X.509.
    const format = signer.algorithm.name === 'ECDSA' ? 'ieee-p1363' : 'der';
    assert.ok(verify('sha256', data, { key: createPrivateKey(key), dsaEncoding: format }, signature), signer.algorithm.name);
  }
  await assert.rejects(signingKey(pkcs8(generateKeyPairSync('ed25519').privateKey)), { name: 'KeyError', message: 'cannot sign with a key of type ed25519' });
});
