import { isIPv4, isIPv6 } from 'node:net';

/**
 * One spelling per address, so that the addresses a certificate names and the ones the
 * machine has compare equal: IPv4 as it is, IPv6 as eight lower-case groups without
 * leading zeros (`::1` → `0:0:0:0:0:0:0:1`, which is also how X.509 tools print it).
 * Anything else is returned unchanged (it matches nothing).
 */
export function canonicalIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  let text = ip.toLowerCase().replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:10.0.2.15) becomes its two 16-bit groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16)).join(':');
}

/** IPv6 link-local (fe80::/10): only usable with a zone (`%eth0`), which no certificate can name. */
export function isLinkLocal(ip: string): boolean {
  if (isIPv4(ip)) return ip.startsWith('169.254.');
  return /^fe[89ab]/i.test(canonicalIp(ip).padStart(4, '0'));
}
