// What the init needs to know about an existing certificate to decide whether to keep
// it: who issued it, until when, for which names, for what use, and whether a key fits.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { canonicalIp } from './ip-address.ts';
import { x509 as lib } from './x509.ts';

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
  // Node prints the names as one string, escaped and joined with commas; the library
  // hands them over one by one.
  const names = new Set<string>();
  try {
    const san = new lib.X509Certificate(x509.raw).getExtension(lib.SubjectAlternativeNameExtension);
    for (const entry of san?.names.items ?? []) {
      if (entry.type === 'ip') names.add(canonicalIp(entry.value));
      else if (entry.type === 'dns') names.add(entry.value.toLowerCase());
    }
  } catch {
    // A certificate Node reads but the library does not: then no names, which makes
    // a server certificate "not covering" and so replaced.
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
