export { resolvConfPath } from '../../contract/initrd-layout.ts';
import { LeaseFormatError, maxLeaseBytes, parseLease, type Lease } from './lease.ts';
import { renderResolvConf, writeFileAtomic } from './resolv-conf.ts';
import { readUntrustedFile, UntrustedFileError } from './untrusted-file.ts';

/** The host's resolv.conf from a parsed lease: its search list, else its domain, and its name servers. */
export function renderLeaseResolvConf(lease: Lease): string {
  const search = lease.search.length ? lease.search : lease.domain ? [lease.domain] : [];
  return renderResolvConf(lease.dns, search, `the DHCP lease of ${lease.interface}`);
}

export interface LeaseFollowerOptions {
  leasePath: string;
  resolvConf: string;
  intervalMs?: number;
  warn: (message: string) => void;
}

/**
 * Keeps resolv.conf following lease.json after the first lease: a renewal may bring
 * other name servers. A lease that is gone or bad leaves the last good file in place.
 */
export function followLease(options: LeaseFollowerOptions, first: Lease): { stop(): void } {
  let written = renderLeaseResolvConf(first);
  let lastProblem = '';
  const timer = setInterval(async () => {
    try {
      const next = renderLeaseResolvConf(parseLease(await readUntrustedFile(options.leasePath, maxLeaseBytes)));
      if (next !== written) await writeFileAtomic(options.resolvConf, next);
      written = next;
      lastProblem = '';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      const problem = error instanceof LeaseFormatError || error instanceof UntrustedFileError ? error.message : String(error);
      // Said once, not every few seconds for as long as it lasts.
      if (problem !== lastProblem) options.warn(`resolv.conf not updated: ${problem}`);
      lastProblem = problem;
    }
  }, options.intervalMs ?? 5000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
