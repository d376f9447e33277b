// Values of the dockerd options: its arguments, storage driver, bridge, logs and remote API.
import * as z from 'zod/mini';
import { splitArgs } from './cmdline.ts';
import { anyValue, needsValue, oneOf, type RawValue } from './values.ts';
import { logTargets } from '../logs/log-targets.ts';
import { isHostAddress, parseIpv4Cidr, type Ipv4Cidr } from '../net/ipv4-cidr.ts';

export const argv = z.pipe(
  z.pipe(
    needsValue('dockerd arguments'),
    z.string().check(z.refine((v) => Array.isArray(splitArgs(v)), 'unterminated single quote')),
  ),
  z.transform((v: string) => splitArgs(v) as string[]),
);

// dockerd's graph drivers (20.10); a typo would only show as dockerd refusing to start.
const storageDrivers = ['overlay2', 'fuse-overlayfs', 'btrfs', 'zfs', 'vfs', 'devicemapper', 'aufs', 'overlay'];
export const storageDriver = oneOf(storageDrivers, 'a storage driver');

/** The bridge's address: an IPv4 address with a prefix of 8-30. */
function bridgeCidr(value: string): Ipv4Cidr | undefined {
  const cidr = parseIpv4Cidr(value);
  return cidr && cidr.prefix >= 8 && cidr.prefix <= 30 ? cidr : undefined;
}

// The bridge's own address with the subnet's prefix (docker's --bip): 172.30.0.1/24,
// not the network address 172.30.0.0/24, which dockerd would take as the gateway.
export const bridgeAddress = z.pipe(
  z.pipe(
    needsValue('an IPv4 address with its prefix, e.g. 172.30.0.1/24'),
    z.string().check(
      z.refine((v) => bridgeCidr(v) !== undefined, 'expected the bridge address with its prefix, e.g. 172.30.0.1/24 (prefix 8-30)'),
      z.refine(
        (v) => {
          const cidr = bridgeCidr(v);
          return cidr === undefined || isHostAddress(cidr);
        },
        'that is the network or broadcast address of its subnet; give the bridge a host address such as 172.30.0.1/24',
      ),
    ),
  ),
  z.transform((v: string): Ipv4Cidr => bridgeCidr(v)!),
);

// Not docker0: that one dockerd makes itself (od.bip alone sets its address).
export const bridgeName = z.pipe(
  needsValue('a bridge name'),
  z.string().check(
    z.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/, 'a bridge name is 1-15 letters, digits, dots, dashes or underscores, starting with a letter'),
    z.refine((v) => v !== 'docker0', 'docker0 is the bridge dockerd makes itself; od.bip alone sets its address'),
  ),
);

export const logTarget = oneOf(logTargets, logTargets.join(', '));

// od.remote: `tls` (or a bare flag / on / 1: TLS is the only kind of remote API there
// is) or `off`. The unencrypted kind has its own, louder option.
const remoteWords: Record<string, boolean> = { tls: true, on: true, '1': true, yes: true, true: true, off: false, '0': false, no: false, false: false, none: false };
export const remoteMode = z.pipe(
  anyValue.check(z.refine((v) => v === true || v.toLowerCase() in remoteWords, 'expected tls or off')),
  z.transform((v: RawValue) => v === true || remoteWords[v.toLowerCase()] === true),
);
