// <NET_STATE_DIR>/lease.json: what the DHCP container's script
// (images/dhcp/rootfs/usr/share/udhcpc/default.script, described in images/dhcp/README.md)
// writes for the init. A file without an interface and an IPv4 address is not a lease;
// any other field that is missing or malformed reads as "not given".
//
// Everything in lease.json came from the network through a container: each value is
// kept only in the shape it may have, so that what the init prints, or writes into
// resolv.conf, can hold no line break, escape sequence or other surprise.
import { isIP } from 'node:net';
import * as z from 'zod/mini';
import { OdError } from './errors.ts';

/** lease.json is a few hundred bytes; more is not a lease. */
export const maxLeaseBytes = 16 * 1024;

const interfaceName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const domainName = /^[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;

const ipv4Address = z.ipv4();
const ipAddress = z.string().check(z.refine((value) => isIP(value) !== 0));
const domain = z.string().check(z.maxLength(253), z.regex(domainName));

/** A whole number from 0 to max; anything else reads as null. */
const whole = (max: number) => z.catch(z.nullable(z.int().check(z.minimum(0), z.maximum(max))), null);

/** A list of the items that have the item's shape, at most max of them; anything else reads as []. */
const listOf = (item: z.ZodMiniType<string>, max: number) =>
  z.catch(
    z.pipe(
      z.array(z.unknown()),
      z.transform((items) => items.filter((value): value is string => item.safeParse(value).success).slice(0, max)),
    ),
    [],
  );

export const leaseSchema = z.object({
  event: z.catch(z.enum(['bound', 'renew']), 'bound'),
  interface: z.string().check(z.regex(interfaceName, 'lease.json names no interface')),
  ip: ipv4Address,
  prefix: whole(32),
  router: listOf(ipv4Address, 8),
  // resolv(5): the resolver reads at most three name servers and six search domains.
  dns: listOf(ipAddress, 3),
  domain: z.catch(domain, ''),
  search: listOf(domain, 6),
  // Option 42: IPv4 addresses only (the option carries nothing else); four are plenty
  // for a client that picks the best of them.
  ntp: listOf(ipv4Address, 4),
  leaseSeconds: whole(2 ** 32),
  obtainedAt: whole(Number.MAX_SAFE_INTEGER),
});

export type Lease = z.infer<typeof leaseSchema>;

export class LeaseFormatError extends OdError {}

/** Parses lease.json; LeaseFormatError says what makes it no lease. */
export function parseLease(text: string): Lease {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new LeaseFormatError(`lease.json is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LeaseFormatError('lease.json is not an object');
  const result = leaseSchema.safeParse(raw);
  if (result.success) return result.data;
  const fields = new Set(result.error.issues.map((issue) => issue.path[0]));
  if (fields.has('ip')) {
    const ip = (raw as { ip?: unknown }).ip;
    // Cut short: the value came from outside and ends up in a console line.
    throw new LeaseFormatError(`lease.json has no IPv4 address (ip: ${JSON.stringify(ip)?.slice(0, 60)})`, { cause: result.error });
  }
  throw new LeaseFormatError('lease.json names no interface', { cause: result.error });
}
