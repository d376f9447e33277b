// Values of the host name, network and console options.
import { isIP, isIPv4 } from 'node:net';
import * as z from 'zod/mini';
import { needsValue } from './values.ts';
import { parseIpv4Cidr, type Ipv4Cidr } from '../net/ipv4-cidr.ts';

// RFC 1123 label(s): letters, digits, hyphens, dots between labels, at most 64 bytes
// (the kernel's __NEW_UTS_LEN).
export const hostname = z.pipe(
  needsValue('a host name'),
  z
    .string()
    .check(
      z.maxLength(64, 'a host name has at most 64 characters'),
      z.regex(
        /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
        'a host name is letters, digits and inner hyphens, labels separated by dots',
      ),
    ),
);

// Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no slash or white space.
export const interfaceNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
export const interfaceName = z.pipe(
  needsValue('an interface name'),
  z.string().check(z.regex(interfaceNamePattern, 'an interface name is 1-15 letters, digits, dots, dashes or underscores, e.g. eth0 (or auto)')),
);

export const ipv4Cidr = z.pipe(
  needsValue('an IPv4 address with its prefix, e.g. 10.0.2.15/24'),
  z.pipe(
    z.string().check(z.refine((v) => parseIpv4Cidr(v) !== undefined, 'expected an IPv4 address with its prefix length, e.g. 10.0.2.15/24')),
    z.transform((v: string): Ipv4Cidr => parseIpv4Cidr(v)!),
  ),
);

export const ipv4 = z.pipe(needsValue('an IPv4 address'), z.string().check(z.refine((v) => isIPv4(v), 'expected an IPv4 address, e.g. 10.0.2.2')));

// resolv(5): the resolver reads at most three name servers.
export const nameServers = z.pipe(
  z.pipe(
    needsValue('name servers'),
    z.string().check(
      z.refine((v) => v.split(',').every((s) => isIP(s) !== 0), 'expected IP addresses separated by commas, e.g. 10.0.2.3,1.1.1.1'),
      z.refine((v) => v.split(',').length <= 3, 'at most 3 name servers (the resolver reads no more)'),
    ),
  ),
  z.transform((v: string) => v.split(',')),
);

// Terminal device names under /dev: ttyS0, tty1, hvc0, ttyAMA0... tty0 is "the VT in
// front", which at boot is tty1; `none` starts no console container.
export const terminals = z.pipe(
  z.pipe(
    needsValue('terminals, e.g. ttyS0,tty1 (or none)'),
    z.string().check(
      z.refine(
        (v) => v === 'none' || v.split(',').every((name) => /^(tty[A-Za-z]*\d{1,3}|hvc\d{1,3})$/.test(name)),
        'expected terminal names separated by commas, e.g. ttyS0,tty1, or none',
      ),
    ),
  ),
  z.transform((v: string) => (v === 'none' ? [] : [...new Set(v.split(',').map((name) => (name === 'tty0' ? 'tty1' : name)))])),
);

// A Docker image reference: [registry[:port]/]name[/name...][:tag][@digest], name in lower case.
export const imageReference = z.pipe(
  needsValue('an image name'),
  z
    .string()
    .check(
      z.maxLength(255, 'an image name has at most 255 characters'),
      z.regex(
        /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
        'expected an image name such as debian:bookworm or registry.example:5000/team/console:1',
      ),
    ),
);
