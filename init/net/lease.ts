import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIPv4 } from 'node:net';

/** lease.json as the DHCP image writes it (images/dhcp/README.md). */
export interface Lease {
  event: 'bound' | 'renew';
  interface: string;
  ip: string;
  prefix: number | null;
  router: string[];
  dns: string[];
  domain: string;
  leaseSeconds: number | null;
  obtainedAt: number | null;
}

export class LeaseFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeaseFormatError';
  }
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Parses lease.json; a file without an interface and an IPv4 address is not a lease. */
export function parseLease(text: string): Lease {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new LeaseFormatError(`lease.json is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof raw !== 'object' || raw === null) throw new LeaseFormatError('lease.json is not an object');
  const ip = raw.ip;
  const iface = raw.interface;
  if (typeof ip !== 'string' || !isIPv4(ip)) throw new LeaseFormatError(`lease.json has no IPv4 address (ip: ${JSON.stringify(ip)})`);
  if (typeof iface !== 'string' || iface === '') throw new LeaseFormatError('lease.json names no interface');
  return {
    event: raw.event === 'renew' ? 'renew' : 'bound',
    interface: iface,
    ip,
    prefix: numberOrNull(raw.prefix),
    router: strings(raw.router),
    dns: strings(raw.dns),
    domain: typeof raw.domain === 'string' ? raw.domain : '',
    leaseSeconds: numberOrNull(raw.leaseSeconds),
    obtainedAt: numberOrNull(raw.obtainedAt),
  };
}

/** "10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, lease 86400 s" */
export function describeLease(lease: Lease): string {
  const parts = [`${lease.ip}${lease.prefix !== null ? `/${lease.prefix}` : ''}`];
  if (lease.router.length) parts[0] += ` via ${lease.router.join(', ')}`;
  parts.push(lease.dns.length ? `DNS ${lease.dns.join(', ')}` : 'no DNS server');
  if (lease.domain) parts.push(`domain ${lease.domain}`);
  if (lease.leaseSeconds !== null) parts.push(`lease ${lease.leaseSeconds} s`);
  return parts.join(', ');
}

export interface WaitLeaseOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits for lease.json to appear (the DHCP script writes it by rename, so a file that
 * exists is whole). Polling rather than fs.watch: a tenth of a second is nothing
 * against a DHCP exchange, and it works whatever the file system. Undefined when the
 * time is up.
 */
export async function waitForLease(path: string, options: WaitLeaseOptions): Promise<Lease | undefined> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastProblem: unknown;
  for (;;) {
    try {
      return parseLease(await readFile(path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') lastProblem = error;
    }
    if (options.signal?.aborted || performance.now() + interval > deadline) {
      if (lastProblem instanceof LeaseFormatError) throw lastProblem;
      return undefined;
    }
    await sleep(interval);
  }
}
