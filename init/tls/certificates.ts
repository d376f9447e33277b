// X.509 for the remote API: a CA, and the server and client certificates it signs.
// @peculiar/x509 builds the certificates (no hand-written ASN.1) for RSA and ECDSA
// keys alike; Node's own crypto makes the keys and, through WebCrypto, the signatures.
import { createPublicKey, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { OdError } from '../../contract/errors.ts';
import { canonicalIp } from './ip-address.ts';
import { signingKey } from './keys.ts';
import { x509 } from './x509.ts';

export type CertificateKind = 'ca' | 'server' | 'client';

export class CertificateError extends OdError {}

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

function altNames(names: readonly string[]): x509.JsonGeneralNames {
  // Addresses in their eight-group spelling: the library's parser does not read an
  // IPv4 tail (::ffff:10.0.2.15), which canonicalIp has already turned into groups.
  return names.map((name) => (isIP(name) ? { type: 'ip', value: canonicalIp(name) } : { type: 'dns', value: name }));
}

const { KeyUsageFlags: usage, ExtendedKeyUsage: purpose } = x509;

function usageExtensions(request: CertificateRequest, subjectIsRsa: boolean): x509.Extension[] {
  switch (request.kind) {
    case 'ca':
      return [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(usage.keyCertSign | usage.cRLSign, true)];
    case 'server':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // keyEncipherment is RSA key transport; RFC 5480 does not allow it for EC keys.
        new x509.KeyUsagesExtension(subjectIsRsa ? usage.digitalSignature | usage.keyEncipherment : usage.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([purpose.serverAuth]),
        new x509.SubjectAlternativeNameExtension(altNames(request.names ?? [])),
      ];
    case 'client':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usage.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([purpose.clientAuth]),
      ];
  }
}

/**
 * The issuer's key identifier: copied from the issuer's certificate when it carries one
 * (an older version's CA may have computed it differently), else computed the RFC 5280
 * way. It lets verifiers (openssl, Go) pick the issuer by key, not only by name;
 * OpenSSL refuses a chain whose identifiers disagree.
 */
async function authorityKeyId(issuer: x509.X509Certificate | undefined, subjectKeyId: x509.SubjectKeyIdentifierExtension): Promise<x509.AuthorityKeyIdentifierExtension> {
  if (!issuer) return new x509.AuthorityKeyIdentifierExtension(subjectKeyId.keyId);
  const carried = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  return carried ? new x509.AuthorityKeyIdentifierExtension(carried.keyId) : x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey);
}

/** Builds and signs one certificate; returns it as PEM. */
export async function createCertificate(request: CertificateRequest): Promise<string> {
  if (request.kind !== 'ca' && !request.issuer) throw new CertificateError(`a ${request.kind} certificate needs an issuer`);
  try {
    const publicKey = createPublicKey(request.keyPem);
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const issuerCert = request.issuer ? new x509.X509Certificate(request.issuer.certPem) : undefined;
    const signer = await signingKey(request.issuer?.keyPem ?? request.keyPem);
    const subjectKeyId = await x509.SubjectKeyIdentifierExtension.create(spki);
    const subject = new x509.Name([{ O: [organization] }, { CN: [request.commonName] }]);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject,
      // The issuer's subject as its certificate encodes it: Go finds a parent by
      // comparing these bytes.
      issuer: issuerCert?.subjectName ?? subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      publicKey: spki,
      signingKey: signer.key,
      signingAlgorithm: signer.algorithm,
      extensions: [...usageExtensions(request, publicKey.asymmetricKeyType === 'rsa'), subjectKeyId, await authorityKeyId(issuerCert, subjectKeyId)],
    });
    return `${cert.toString('pem')}\n`;
  } catch (cause) {
    if (cause instanceof CertificateError) throw cause;
    throw new CertificateError(`cannot create the ${request.kind} certificate: ${(cause as Error).message}`, { cause });
  }
}
