// What the init needs to know about an existing certificate to decide whether to keep
// it: who issued it, until when, for which names, for what use, and whether a key fits.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { canonicalIp } from './ip-address.ts';

export interface CertificateInfo {
  x509: X509Certificate;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  serverAuth: boolean;
  clientAuth: boolean;
  /** Subject alternative names: DNS names lower-cased, IP addresses in canonicalIp form. */
  names: Set<string>;
  /** SHA-256 of the DER, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint256: string;
}

const serverAuthOid = '1.3.6.1.5.5.7.3.1';
const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** A SAN for comparison: IP addresses in one spelling, DNS names case-insensitive. */
export function canonicalName(name: string): string {
  const ip = canonicalIp(name);
  return ip === name ? name.toLowerCase() : ip;
}

/** Parses a PEM certificate; undefined when it is not one. */
export function inspectCertificate(pem: string): CertificateInfo | undefined {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const names = new Set<string>();
  try {
    const san = forge.pki.certificateFromPem(pem).getExtension('subjectAltName') as
      | { altNames?: Array<{ type: number; value?: string; ip?: string }> }
      | undefined;
    for (const entry of san?.altNames ?? []) {
      if (entry.type === 7 && entry.ip) names.add(canonicalIp(entry.ip));
      else if (entry.type === 2 && entry.value) names.add(entry.value.toLowerCase());
    }
  } catch {
    // forge refuses some certificates Node reads (other key types): then no names,
    // which makes a server certificate "not covering" and so replaced.
  }
  const usages = x509.keyUsage ?? [];
  return {
    x509,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
    serverAuth: usages.includes(serverAuthOid),
    clientAuth: usages.includes(clientAuthOid),
    names,
    fingerprint256: x509.fingerprint256,
  };
}

/** True when `cert` carries `issuer`'s name and a valid signature by its key. */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** True when the PEM private key is the one whose public half the certificate holds. */
export function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
