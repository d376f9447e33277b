import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseFormatError, maxLeaseBytes, parseLease, type Lease } from '../../contract/lease.ts';
import { readUntrustedFile, UntrustedFileError } from './untrusted-file.ts';

export { LeaseFormatError, maxLeaseBytes, parseLease, type Lease };

/** "10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, lease 86400 s" */
export function describeLease(lease: Lease): string {
  const parts = [`${lease.ip}${lease.prefix !== null ? `/${lease.prefix}` : ''}`];
  if (lease.router.length) parts[0] += ` via ${lease.router.join(', ')}`;
  parts.push(lease.dns.length ? `DNS ${lease.dns.join(', ')}` : 'no DNS server');
  if (lease.domain) parts.push(`domain ${lease.domain}`);
  if (lease.leaseSeconds !== null) parts.push(`lease ${lease.leaseSeconds} s`);
  return parts.join(', ');
}

/**
 * The lease lease.json holds now, undefined when there is none (the DHCP container
 * has no lease, or never ran). A file that is there but no lease throws
 * LeaseFormatError or UntrustedFileError.
 */
export async function readLease(path: string): Promise<Lease | undefined> {
  try {
    return parseLease(await readUntrustedFile(path, maxLeaseBytes));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
      const lease = await readLease(path);
      if (lease) return lease;
    } catch (error) {
      lastProblem = error;
    }
    if (options.signal?.aborted || performance.now() + interval > deadline) {
      if (lastProblem instanceof LeaseFormatError || lastProblem instanceof UntrustedFileError) throw lastProblem;
      return undefined;
    }
    await sleep(interval);
  }
}
