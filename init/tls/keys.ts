// The private keys of the remote API's certificates: the kind that is made, the kinds
// that are kept, and how a key signs.
import { createPrivateKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { OdError } from '../../contract/errors.ts';

export class KeyError extends OdError {}

/**
 * New keys are ECDSA on P-256: made in about a millisecond where RSA-2048 takes
 * seconds under TCG emulation (a search for primes), accepted by every Docker client
 * and by dockerd (Go's crypto/tls), and as strong as RSA-3072.
 */
export const newKeyCurve = 'prime256v1';

/**
 * RSA keys from older versions (2048 bits) are kept: their client certificates are on
 * users' machines already. Below 2048 bits a key is replaced: OpenSSL's default
 * security level refuses such certificates, and Go refuses RSA under 1024 bits.
 */
export const minRsaBits = 2048;

/**
 * A new P-256 private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"): what `openssl genpkey`
 * writes, and one of the forms Go's tls.X509KeyPair reads (it tries PKCS#1, PKCS#8 and
 * SEC1 in turn), so the Docker CLI and dockerd load it as they loaded the RSA keys.
 */
export async function generatePrivateKey(): Promise<string> {
  // The asynchronous form runs on libuv's thread pool: several keys are made in parallel.
  return new Promise((resolve, reject) => {
    generateKeyPair('ec', { namedCurve: newKeyCurve, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }, (error, _publicKey, privateKey) => {
      if (error) reject(new KeyError(`cannot generate a P-256 key: ${error.message}`, { cause: error }));
      else resolve(privateKey);
    });
  });
}

/** The key kinds that are kept and can sign a certificate. */
export type KeyKind = 'ec-p256' | 'rsa';

/** Why a PEM private key is replaced rather than kept, or undefined when it is kept. */
export function keyProblem(pem: string | undefined): string | undefined {
  if (pem === undefined) return 'missing';
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'unreadable';
  }
  const kind = keyKindOf(key);
  if (kind) return undefined;
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = key;
  if (type === 'rsa') return `an RSA key of ${details?.modulusLength} bits, fewer than ${minRsaBits}`;
  if (type === 'ec') return `an EC key on ${details?.namedCurve ?? 'an unnamed curve'}, not P-256`;
  return `a key of type ${type}`;
}

function keyKindOf(key: KeyObject): KeyKind | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === newKeyCurve) return 'ec-p256';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= minRsaBits) return 'rsa';
  return undefined;
}

export type SigningAlgorithm = webcrypto.RsaHashedImportParams | (webcrypto.EcKeyImportParams & { hash: string });

/**
 * What a key signs with, in WebCrypto terms: SHA-256 either way, so a CA's key decides
 * the algorithm of what it signs (RSA CA: sha256WithRSAEncryption, EC CA:
 * ecdsa-with-SHA256), and a certificate re-issued under an old RSA CA still chains to it.
 */
function signingAlgorithm(kind: KeyKind): SigningAlgorithm {
  return kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

/** The private key as a WebCrypto key that signs (Node 20 has no KeyObject.toCryptoKey). */
export async function signingKey(pem: string): Promise<{ key: webcrypto.CryptoKey; algorithm: SigningAlgorithm }> {
  const object = createPrivateKey(pem);
  const kind = keyKindOf(object);
  if (!kind) throw new KeyError(`cannot sign with ${keyProblem(pem)}`);
  const algorithm = signingAlgorithm(kind);
  const der = object.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { key, algorithm };
}
