import { isIPv4 } from 'node:net';

/** An IPv4 address with its prefix length: 10.0.2.15/24. */
export interface Ipv4Cidr {
  ip: string;
  prefix: number;
}

/** "10.0.2.15/24" → { ip, prefix }; undefined for anything else (no prefix, a prefix over 32, IPv6). */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const [ip, prefix, extra] = text.split('/');
  if (extra !== undefined || ip === undefined || !isIPv4(ip) || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return undefined;
  const length = Number(prefix);
  return length <= 32 ? { ip, prefix: length } : undefined;
}

/** False for the subnet's network and broadcast addresses, which no host (or bridge) can take. */
export function isHostAddress({ ip, prefix }: Ipv4Cidr): boolean {
  const address = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const hostBits = 2 ** (32 - prefix);
  const host = address % hostBits;
  return host !== 0 && host !== hostBits - 1;
}

export function formatIpv4Cidr({ ip, prefix }: Ipv4Cidr): string {
  return `${ip}/${prefix}`;
}
