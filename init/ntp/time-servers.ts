// Which time servers the time client keeps: the configuration's `ntp.servers`, else
// those the DHCP lease names (option 42), else none (and why, for the console).
import type { Lease } from '../net/lease.ts';

export type TimeServerChoice =
  | { servers: string[]; from: 'configuration' | 'lease' }
  | { reason: string };

/**
 * `configured` is `ctx.config.user.ntp.servers`: null when no source has `ntp:`
 * (then the lease decides), a list otherwise (an empty list turns the time client
 * off). `lease` is the current DHCP lease, if there is one.
 */
export function chooseTimeServers(configured: readonly string[] | null, lease: Lease | undefined): TimeServerChoice {
  if (configured !== null) {
    if (configured.length > 0) return { servers: [...configured], from: 'configuration' };
    return { reason: 'ntp.servers is empty in the configuration: no time client' };
  }
  if (lease === undefined) return { reason: 'no ntp.servers in the configuration and no DHCP lease: no time client' };
  if (lease.ntp.length > 0) return { servers: [...lease.ntp], from: 'lease' };
  return { reason: `no ntp.servers in the configuration and the DHCP lease of ${lease.interface} names no time server: no time client` };
}
