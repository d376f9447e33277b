// The kinds of value the user configuration file holds that the od.* options do not:
// container names, docker -p and -v specifications, environment maps, SSH keys.
// Every pattern is linear: no quantified group can match the same text two ways, so a
// hostile value of a megabyte costs one pass (linear-patterns.test.ts checks them).
import { isIPv4 } from 'node:net';
import { posix } from 'node:path';
import * as z from 'zod/mini';
import { parsePort, parsePortMapping } from '../../services/port-mapping.ts';
import { hostname, interfaceNamePattern } from '../net-console-values.ts';
import { isHostAddress, parseIpv4Cidr, type Ipv4Cidr } from '../../net/ipv4-cidr.ts';

/** Docker's own rule for container (and network and volume) names. */
const dockerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const dockerName = z.string().check(
  z.maxLength(128, 'a name has at most 128 characters'),
  z.regex(dockerNamePattern, 'a name is letters, digits, dots, dashes and underscores, starting with a letter or digit'),
);

/** A scalar the file may give where a string is meant: `max-size: 10` and `DEBUG: true` are strings to Docker. */
export const scalarText = z.pipe(
  z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a number or true/false' }),
  z.transform((v: string | number | boolean) => String(v)),
);

export const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and underscores, not starting with a digit'));

export const envMap = z.record(envName, scalarText);

export const stringList = z.array(z.string());

// docker -p, checked by the parser the service's container is made with.
export const portMapping = z.string().check(
  z.refine((v) => parsePortMapping(v) !== undefined, 'expected [ip:]hostPort:containerPort[/tcp|udp|sctp] or containerPort alone, ports 1-65535, e.g. 8080:80'),
);

/** An absolute path written the short way: no `.` or `..` part, no `//`, no trailing slash. */
export function isNormalAbsolutePath(path: string): boolean {
  return (
    path.startsWith('/') &&
    !/[\0\n]/.test(path) &&
    posix.normalize(path) === path &&
    !path.split('/').includes('..') &&
    (path === '/' || !path.endsWith('/'))
  );
}

// docker -v: /host/path:/container/path[:ro|rw] or volume-name:/container/path[:ro|rw].
// Docker also takes rw for a named volume, so that is accepted too.
function isVolumeSpec(spec: string): boolean {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) return false;
  const [host, container, mode] = parts as [string, string, string | undefined];
  const hostOk = host.startsWith('/') ? isNormalAbsolutePath(host) : dockerNamePattern.test(host);
  return hostOk && isNormalAbsolutePath(container) && (mode === undefined || mode === 'ro' || mode === 'rw');
}
export const volumeSpec = z.string().check(
  z.refine(isVolumeSpec, 'expected /host/path:/container/path[:ro|rw] or volume-name:/container/path[:ro], absolute paths without ..'),
);

// user or user:group, by name or number (docker run --user).
export const containerUser = z.string().check(z.regex(/^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?$/, 'expected user or user:group, by name or number'));

// One line of authorized_keys: the key type, the base64 key, an optional comment.
// The comment runs to the end (`.` stops at a newline and `$` is the end of the text),
// so a key cannot smuggle a second line, e.g. one with a command= option.
export const authorizedKey = z.string().check(
  z.regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/,
    'expected one OpenSSH public key line, e.g. ssh-ed25519 AAAA... user@laptop',
  ),
);

/** A host name or an IPv4 address; what looks like an address must be one. */
export const hostOrIpv4 = z.string().check(
  z.refine((v) => hostname.safeParse(v).success && (!/^[\d.]+$/.test(v) || isIPv4(v)), 'expected an IPv4 address or a host name'),
);

/** host:port, host a name or an IPv4 address. */
export const hostAndPort = z.string().check(
  z.refine((v) => {
    const colon = v.lastIndexOf(':');
    return colon > 0 && hostOrIpv4.safeParse(v.slice(0, colon)).success && parsePort(v.slice(colon + 1)) !== undefined;
  }, 'expected host:port, e.g. 10.0.2.15:2377'),
);

/** A network interface's name, as the kernel spells it (not `auto`, not the loopback). */
export const interfaceNameText = z.string().check(
  z.regex(interfaceNamePattern, 'an interface name is 1-15 letters, digits, dots, dashes or underscores, e.g. eth1'),
  z.refine((v) => v !== 'lo' && v !== 'auto', 'expected a network card, e.g. eth1 (not lo or auto)'),
);

/** A host's IPv4 address with its prefix, "10.9.0.11/24": not the subnet's network or broadcast address. */
export const hostCidr = z.pipe(
  z.string().check(
    z.refine((v) => parseIpv4Cidr(v) !== undefined, 'expected an IPv4 address with its prefix length, e.g. 10.9.0.11/24'),
    z.refine((v) => {
      const cidr = parseIpv4Cidr(v);
      return cidr === undefined || isHostAddress(cidr);
    }, 'the network or broadcast address of its subnet: no host can take it'),
  ),
  z.transform((v: string): Ipv4Cidr => parseIpv4Cidr(v)!),
);

/** One word of text: no white space, not empty (tokens, addresses). */
export const word = z.string().check(z.regex(/^\S+$/, 'expected one word, without spaces'));

// A file mode in octal: "0644", "644" or "4755". YAML reads an unquoted 0644 as the
// number 644: its digits are what the user meant, so a number whose digits are all
// octal is read the same way.
export const fileMode = z.pipe(
  z.union([z.string(), z.number()], { error: 'expected an octal mode such as "0644"' }),
  z.pipe(
    z.transform((v: string | number) => String(v)),
    z.pipe(
      z.string().check(z.regex(/^[0-7]{3,4}$/, 'expected an octal mode such as "0644"')),
      z.transform((v: string) => parseInt(v, 8)),
    ),
  ),
);

/** A value JSON can hold: what dockerd can read from daemon.json. */
export function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

export const jsonObject = z.record(z.string(), z.unknown()).check(
  z.refine((v) => isJsonValue(v), 'expected values JSON can hold (no .inf, .nan or tags), at most 64 levels deep'),
);
