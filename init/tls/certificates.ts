// X.509 for the remote API: a CA, and the server and client certificates it signs.
// node-forge builds the certificates (no hand-written ASN.1); Node's own crypto makes
// the keys and the signatures, which under TCG emulation is the difference between
// milliseconds and seconds (forge's big-number RSA is pure JavaScript).
import { createPublicKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * RSA because forge signs and encodes only RSA keys. 2048 bits: NIST-acceptable until
 * 2030, and the key generation is the slowest part of a first boot under TCG (4096
 * bits takes ten times as long: tens of seconds there).
 */
export const rsaKeyBits = 2048;

export type CertificateKind = 'ca' | 'server' | 'client';

export class CertificateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateError';
  }
}

/** A new RSA private key, PKCS#1 PEM (what `openssl genrsa` writes and every Docker client reads). */
export async function generatePrivateKey(bits = rsaKeyBits): Promise<string> {
  // The asynchronous form runs on libuv's thread pool: several keys are made in parallel.
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }, (error, _publicKey, privateKey) => {
      if (error) reject(new CertificateError(`cannot generate an RSA-${bits} key: ${error.message}`, { cause: error }));
      else resolve(privateKey);
    });
  });
}

export interface Issuer {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  kind: CertificateKind;
  commonName: string;
  /** The private key of the certificate's subject; its public half goes in the certificate. */
  keyPem: string;
  /** Who signs; absent for the CA, which signs itself. */
  issuer?: Issuer;
  /** Subject alternative names (server certificates): host names and IP addresses. */
  names?: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

export const organization = 'only-docker';

/**
 * A positive serial of 16 random bytes. The first byte is 0x40-0x7f: its top bit
 * clear keeps the DER INTEGER positive (Go since 1.23 refuses negative serials), and a
 * non-zero value keeps the encoding minimal without a padding byte.
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function altNames(names: readonly string[]): Array<{ type: number; value?: string; ip?: string }> {
  // GeneralName tags: 2 = dNSName, 7 = iPAddress.
  return names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
}

function extensionsFor(request: CertificateRequest, issuerCert: forge.pki.Certificate): unknown[] {
  const keyIds = [
    { name: 'subjectKeyIdentifier' },
    // Lets verifiers (openssl, Go) pick the issuer by key, not only by name.
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  switch (request.kind) {
    case 'ca':
      return [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ...keyIds,
      ];
    case 'server':
      return [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: altNames(request.names ?? []) },
        ...keyIds,
      ];
    case 'client':
      return [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
        ...keyIds,
      ];
  }
}

/** Builds and signs one certificate; returns it as PEM. */
export function createCertificate(request: CertificateRequest): string {
  if (request.kind !== 'ca' && !request.issuer) throw new CertificateError(`a ${request.kind} certificate needs an issuer`);
  try {
    const cert = forge.pki.createCertificate();
    const publicPem = createPublicKey(request.keyPem).export({ type: 'spki', format: 'pem' }).toString();
    cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = request.notBefore;
    cert.validity.notAfter = request.notAfter;
    cert.setSubject([
      { shortName: 'O', value: organization },
      { shortName: 'CN', value: request.commonName },
    ]);
    const issuerCert = request.issuer ? forge.pki.certificateFromPem(request.issuer.certPem) : cert;
    cert.setIssuer(issuerCert.subject.attributes);
    cert.setExtensions(extensionsFor(request, issuerCert));

    const signingKey = request.issuer?.keyPem ?? request.keyPem;
    // forge computes the to-be-signed part and hands "the key" a digest; this key
    // ignores the digest and signs those same DER bytes with Node's RSA instead.
    const nativeSigner = {
      sign: () => {
        const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
        return sign('sha256', tbs, signingKey).toString('binary');
      },
    };
    cert.sign(nativeSigner as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  } catch (cause) {
    if (cause instanceof CertificateError) throw cause;
    throw new CertificateError(`cannot create the ${request.kind} certificate: ${(cause as Error).message}`, { cause });
  }
}
