// Makes the certificate directory hold a CA, a server certificate for this machine's
// names and addresses, and a client certificate, all chained and in date, reusing
// what is already there: on a persistent disk the CA and the client certificate stay
// the same from boot to boot, so a client set up once keeps working.
import { chmod } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { createCertificate, type CertificateKind } from './certificates.ts';
import { generatePrivateKey, keyProblem } from './keys.ts';
import { canonicalName, inspectCertificate, issuedBy, keyMatches, type CertificateInfo } from './inspect.ts';
import { certMode, keyMode, makeLayoutDirs, readOptional, tlsLayout, writeFileAtomic, type TlsLayout } from './layout.ts';

const day = 86_400_000;
/** The CA outlives many leaf certificates; replacing it means handing out a new ca.pem. */
export const caLifetimeDays = 3650;
/** Like the dind image's certificates (825 days, the longest TLS clients commonly accept). */
export const leafLifetimeDays = 825;
/** A certificate this close to its end is replaced at boot, before anyone is refused. */
export const renewBeforeDays = 30;
/**
 * notBefore is set a day back: a client whose clock is ahead of the VM's (a guest RTC
 * in local time, a host that has not synced yet) must not find the certificate "not
 * yet valid".
 */
export const backdateMs = day;

export const caCommonName = 'only-docker CA';
export const clientCommonName = 'only-docker client';

/** Why a CA certificate cannot be used as it is, or undefined when it can. */
export function caProblem(info: CertificateInfo | undefined, keyPem: string, now: Date): string | undefined {
  if (!info) return 'missing or unreadable';
  if (!info.isCa) return 'not a CA certificate';
  if (!keyMatches(info.x509, keyPem)) return 'does not belong to ca/key.pem';
  return validityProblem(info, now);
}

function validityProblem(info: CertificateInfo, now: Date): string | undefined {
  if (info.notBefore.getTime() > now.getTime()) return `not valid before ${info.notBefore.toISOString()}`;
  if (info.notAfter.getTime() - now.getTime() < renewBeforeDays * day) return `expires ${info.notAfter.toISOString()}`;
  return undefined;
}

export interface LeafCheck {
  ca: X509Certificate;
  keyPem: string;
  now: Date;
}

/** Why a client certificate must be replaced, or undefined. */
export function clientProblem(info: CertificateInfo | undefined, check: LeafCheck): string | undefined {
  if (!info) return 'missing or unreadable';
  if (!issuedBy(info.x509, check.ca)) return 'not signed by the CA';
  if (!keyMatches(info.x509, check.keyPem)) return 'does not belong to client/key.pem';
  if (!info.clientAuth) return 'not for client authentication';
  return validityProblem(info, check.now);
}

/**
 * Why a server certificate must be replaced, or undefined. It must name every wanted
 * name and address; naming more is fine (a stale address costs nothing, while
 * replacing the certificate costs a dockerd restart).
 */
export function serverProblem(info: CertificateInfo | undefined, check: LeafCheck & { names: readonly string[] }): string | undefined {
  if (!info) return 'missing or unreadable';
  if (!issuedBy(info.x509, check.ca)) return 'not signed by the CA';
  if (!keyMatches(info.x509, check.keyPem)) return 'does not belong to server/key.pem';
  if (!info.serverAuth) return 'not for server authentication';
  const missing = check.names.map(canonicalName).filter((name) => !info.names.has(name));
  if (missing.length) return `does not name ${missing.join(', ')}`;
  return validityProblem(info, check.now);
}

export interface EnsureOptions {
  dir: string;
  /** DNS names the server certificate must carry (host name, localhost). */
  dnsNames: readonly string[];
  /** IP addresses the server certificate must carry. */
  addresses: readonly string[];
  /**
   * When the server certificate is replaced, also name the addresses the old one named.
   * Before the network is up the machine has no address yet, and the last boot's lease
   * is the best guess at this one's; after the network is up only what is there counts.
   */
  keepOldAddresses: boolean;
  now?: Date;
}

export interface EnsureResult {
  layout: TlsLayout;
  /**
   * There is no ca/key.pem but a complete server/ directory: the certificates are
   * someone else's (as with the dind image) and were left exactly as they are.
   */
  managedByUser: boolean;
  /** Certificates written this time. */
  issued: CertificateKind[];
  /** Keys generated this time (a new CA key means new client certificates for everyone). */
  newKeys: CertificateKind[];
  /** Why each issued certificate was issued, e.g. "server: does not name 10.0.2.15". */
  reasons: string[];
  /** The names the server certificate carries now. */
  serverNames: string[];
  clientFingerprint?: string;
}

interface Pair {
  cert?: string;
  key?: string;
}

async function readPair(files: { cert: string; key: string }): Promise<Pair> {
  const [cert, key] = await Promise.all([readOptional(files.cert), readOptional(files.key)]);
  return { ...(cert !== undefined && { cert }), ...(key !== undefined && { key }) };
}

function uniqueNames(names: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const name of names) if (!seen.has(canonicalName(name))) seen.set(canonicalName(name), name);
  return [...seen.values()];
}

/** Loads, checks and where needed (re)creates the certificates under `options.dir`. */
export async function ensureCertificates(options: EnsureOptions): Promise<EnsureResult> {
  const layout = tlsLayout(options.dir);
  const now = options.now ?? new Date();
  await makeLayoutDirs(layout);
  const [ca, server, client] = await Promise.all([readPair(layout.ca), readPair(layout.server), readPair(layout.client)]);
  const wantedNames = uniqueNames([...options.dnsNames, ...options.addresses]);

  // The dind rule: server certificates without the CA key that made them are managed
  // elsewhere; touching them would break whoever manages them.
  if (ca.key === undefined && server.cert !== undefined && server.key !== undefined && (await readOptional(layout.server.ca)) !== undefined) {
    const info = inspectCertificate(server.cert);
    const clientInfo = client.cert === undefined ? undefined : inspectCertificate(client.cert);
    return {
      layout,
      managedByUser: true,
      issued: [],
      newKeys: [],
      reasons: [],
      serverNames: [...(info?.names ?? [])],
      ...(clientInfo && { clientFingerprint: clientInfo.fingerprint256 }),
    };
  }

  const issued: CertificateKind[] = [];
  const newKeys: CertificateKind[] = [];
  const reasons: string[] = [];
  const notBefore = new Date(now.getTime() - backdateMs);

  // Keys first, all at once on the thread pool. A key that is there is kept whatever
  // its kind, as long as it is one that can sign (RSA from older versions, P-256 now):
  // replacing an RSA CA key would void the client certificates users copied already.
  const keyWhy = { ca: keyProblem(ca.key), server: keyProblem(server.key), client: keyProblem(client.key) };
  const needKey = { ca: keyWhy.ca !== undefined, server: keyWhy.server !== undefined, client: keyWhy.client !== undefined };
  const newKeyReason = (kind: CertificateKind) => (keyWhy[kind] === 'missing' ? 'new key' : `new key (key.pem was ${keyWhy[kind]})`);
  const kinds = (Object.keys(needKey) as CertificateKind[]).filter((kind) => needKey[kind]);
  const generated = await Promise.all(kinds.map(() => generatePrivateKey()));
  const keys: Record<CertificateKind, string> = { ca: ca.key!, server: server.key!, client: client.key! };
  for (const [index, kind] of kinds.entries()) {
    keys[kind] = generated[index]!;
    newKeys.push(kind);
    await writeFileAtomic(layout[kind].key, keys[kind], keyMode);
  }
  // Keys that were there: make sure nobody else can read them, whoever wrote them.
  for (const kind of ['ca', 'server', 'client'] as const) if (!needKey[kind]) await chmod(layout[kind].key, keyMode);

  let caPem = ca.cert ?? '';
  let caInfo = ca.cert === undefined ? undefined : inspectCertificate(ca.cert);
  const caWhy = needKey.ca ? newKeyReason('ca') : caProblem(caInfo, keys.ca, now);
  if (caWhy) {
    caPem = await createCertificate({
      kind: 'ca',
      commonName: caCommonName,
      keyPem: keys.ca,
      notBefore,
      notAfter: new Date(now.getTime() + caLifetimeDays * day),
    });
    caInfo = inspectCertificate(caPem)!;
    await writeFileAtomic(layout.ca.cert, caPem, certMode);
    issued.push('ca');
    reasons.push(`ca: ${caWhy}`);
  }
  const caX509 = caInfo!.x509;
  // A leaf never outlives its CA.
  const leafNotAfter = new Date(Math.min(now.getTime() + leafLifetimeDays * day, caInfo!.notAfter.getTime()));
  const issuer = { certPem: caPem, keyPem: keys.ca };

  const serverInfo = server.cert === undefined ? undefined : inspectCertificate(server.cert);
  const serverWhy = caWhy ? 'new CA' : needKey.server ? newKeyReason('server') : serverProblem(serverInfo, { ca: caX509, keyPem: keys.server, now, names: wantedNames });
  let serverNames = [...(serverInfo?.names ?? [])];
  if (serverWhy) {
    const kept = options.keepOldAddresses ? serverNames.filter((name) => isIP(name) !== 0) : [];
    serverNames = uniqueNames([...wantedNames, ...kept]);
    const pem = await createCertificate({ kind: 'server', commonName: options.dnsNames[0] ?? 'localhost', keyPem: keys.server, issuer, names: serverNames, notBefore, notAfter: leafNotAfter });
    await writeFileAtomic(layout.server.cert, pem, certMode);
    issued.push('server');
    reasons.push(`server: ${serverWhy}`);
  }

  let clientPem = client.cert;
  const clientWhy = caWhy ? 'new CA' : needKey.client ? newKeyReason('client') : clientProblem(client.cert === undefined ? undefined : inspectCertificate(client.cert), { ca: caX509, keyPem: keys.client, now });
  if (clientWhy) {
    clientPem = await createCertificate({ kind: 'client', commonName: clientCommonName, keyPem: keys.client, issuer, notBefore, notAfter: leafNotAfter });
    await writeFileAtomic(layout.client.cert, clientPem, certMode);
    issued.push('client');
    reasons.push(`client: ${clientWhy}`);
  }

  // The CA copies beside each leaf follow ca/cert.pem.
  for (const copy of [layout.server.ca, layout.client.ca]) {
    if ((await readOptional(copy)) !== caPem) await writeFileAtomic(copy, caPem, certMode);
  }

  return {
    layout,
    managedByUser: false,
    issued,
    newKeys,
    reasons,
    serverNames,
    clientFingerprint: inspectCertificate(clientPem!)!.fingerprint256,
  };
}
