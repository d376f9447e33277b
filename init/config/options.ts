import { isIP, isIPv4 } from 'node:net';
import * as z from 'zod/mini';
import { splitArgs, tokenizeCmdline, type KernelParam } from './cmdline.ts';
import { logTargets, type LogTarget } from '../logs/log-targets.ts';
import type { RemoteConfig } from '../tls/remote-args.ts';

/** The init's settings, all from the kernel command line (`od.*`). */
export interface InitConfig {
  /** od.debug: dockerd's log on the console too, and debug lines from the init. */
  debug: boolean;
  /** od.hostname */
  hostname: string;
  disk: {
    /** od.disk.timeout in seconds on the command line; how long to wait for the disk labelled DOCKER (0: look once). */
    timeoutMs: number;
    /** od.disk.format: the one device that may be formatted as DOCKER, and only when it is blank. */
    format: string | null;
    /** od.disk.settle in seconds: the wait ends early once no device appeared for this long (0: never early). */
    settleMs: number;
  };
  shutdown: {
    /** od.shutdown.timeout in seconds on the command line; how long containers get to stop. */
    timeoutMs: number;
  };
  dockerd: {
    /** od.dockerd.args, split into words; appended to dockerd's command line. */
    args: string[];
    /** od.dockerd.timeout in seconds on the command line; how long to wait for /_ping. */
    timeoutMs: number;
    /** od.storage.driver: dockerd --storage-driver; null = dockerd's choice (overlay2). */
    storageDriver: string | null;
    /** od.bridge: a bridge the init creates with od.bip's address; dockerd gets -b NAME. */
    bridge: string | null;
    /** od.bip: the bridge's address; alone, dockerd gets --bip and keeps docker0. */
    bip: { ip: string; prefix: number } | null;
  };
  /** od.log: where logs go; null = files, and the console too with od.debug. */
  log: LogTarget | null;
  net: NetConfig;
  console: ConsoleConfig;
  /** od.remote, od.remote.insecure: dockerd's API over TCP (off unless asked for). */
  remote: RemoteConfig;
}

export interface Ipv4Cidr {
  ip: string;
  prefix: number;
}

export interface NetConfig {
  /** od.dhcp: run the DHCP container (ignored when od.net.address gives a static address). */
  dhcp: boolean;
  /** od.dhcp.timeout in seconds on the command line; how long the boot waits for the first lease. */
  dhcpTimeoutMs: number;
  /** od.net.interface: the interface DHCP or the static address configures; `auto` = the first NIC. */
  interface: string;
  /** od.net.address: a static IPv4 address and prefix, configured instead of DHCP. */
  address: Ipv4Cidr | null;
  /** od.net.gateway: the default route of the static address. */
  gateway: string | null;
  /** od.net.dns: name servers written to resolv.conf with a static address. */
  dns: string[];
}

export interface ConsoleConfig {
  /** od.console: terminals that get a console container; null = those the kernel's console= names. */
  terminals: string[] | null;
  /** od.console.image: the console image, instead of console-image:latest or the bundled one. */
  image: string | null;
}

export const defaultConfig: InitConfig = Object.freeze({
  debug: false,
  hostname: 'only-docker',
  disk: Object.freeze({ timeoutMs: 10_000, format: null, settleMs: 1500 }),
  shutdown: Object.freeze({ timeoutMs: 10_000 }),
  dockerd: Object.freeze({ args: [], timeoutMs: 60_000, storageDriver: null, bridge: null, bip: null }),
  log: null,
  net: Object.freeze({ dhcp: true, dhcpTimeoutMs: 30_000, interface: 'eth0', address: null, gateway: null, dns: [] }),
  console: Object.freeze({ terminals: null, image: null }),
  remote: Object.freeze({ tls: false, insecure: false }),
}) as InitConfig;

export const optionPrefix = 'od.';

/** A bare flag (`od.debug`) arrives as `true`, everything else as the string after `=`. */
type RawValue = string | true;

interface OptionSpec<T> {
  key: string;
  schema: z.ZodMiniType<T, RawValue>;
  /** The value used when the option is absent or bad, in the schema's output type. */
  fallback: T;
  apply(config: InitConfig, value: T): void;
  show(value: T): string;
}

function option<T>(spec: OptionSpec<T>): OptionSpec<unknown> {
  return spec as OptionSpec<unknown>;
}

// zod/mini rather than the classic API: the same validation, but esbuild keeps only
// the parts used (~20 KB instead of ~750 KB with every error-message locale), and the
// bundle's size is start-up time for PID 1 under TCG.
const anyValue = z.union([z.literal(true), z.string()]);

const needsValue = (what: string) =>
  z.pipe(
    anyValue.check(z.refine((v) => v !== true, `needs a value: ${what}`)),
    z.transform((v: RawValue) => String(v)),
  );

const flagWords: Record<string, boolean> = { '': true, '1': true, true: true, yes: true, on: true, '0': false, false: false, no: false, off: false };

const flag = z.pipe(
  anyValue.check(
    z.refine((v) => v === true || v.toLowerCase() in flagWords, 'expected a flag: 1/0, true/false, yes/no, on/off'),
  ),
  z.transform((v: RawValue) => v === true || flagWords[v.toLowerCase()] === true),
);

// RFC 1123 label(s): letters, digits, hyphens, dots between labels, at most 64 bytes
// (the kernel's __NEW_UTS_LEN).
const hostname = z.pipe(
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

const argv = z.pipe(
  z.pipe(
    needsValue('dockerd arguments'),
    z.string().check(z.refine((v) => Array.isArray(splitArgs(v)), 'unterminated single quote')),
  ),
  z.transform((v: string) => splitArgs(v) as string[]),
);

/** A number of seconds, "10" or "10s", between min and max; the example is for the message. */
function secondsBetween(min: number, max: number, example: number) {
  return z.pipe(
    z.pipe(
      needsValue('a number of seconds'),
      z.string().check(z.regex(/^\d+(\.\d+)?s?$/, `expected a number of seconds, e.g. ${example} or ${example}s`)),
    ),
    z.pipe(
      z.transform((v: string) => Number(v.replace(/s$/, ''))),
      z.number().check(z.gte(min, `at least ${min} second${min === 1 ? '' : 's'}`), z.lte(max, `at most ${max} seconds`)),
    ),
  );
}

const seconds = secondsBetween(1, 3600, 90);

// Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no slash or white space.
const interfaceName = z.pipe(
  needsValue('an interface name'),
  z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'an interface name is 1-15 letters, digits, dots, dashes or underscores, e.g. eth0 (or auto)')),
);

const ipv4Cidr = z.pipe(
  needsValue('an IPv4 address with its prefix, e.g. 10.0.2.15/24'),
  z.pipe(
    z.string().check(
      z.refine((v) => {
        const [ip, prefix, extra] = v.split('/');
        return extra === undefined && ip !== undefined && isIPv4(ip) && prefix !== undefined && /^\d{1,2}$/.test(prefix) && Number(prefix) <= 32;
      }, 'expected an IPv4 address with its prefix length, e.g. 10.0.2.15/24'),
    ),
    z.transform((v: string): Ipv4Cidr => {
      const [ip, prefix] = v.split('/');
      return { ip: ip!, prefix: Number(prefix) };
    }),
  ),
);

const ipv4 = z.pipe(needsValue('an IPv4 address'), z.string().check(z.refine((v) => isIPv4(v), 'expected an IPv4 address, e.g. 10.0.2.2')));

// resolv(5): the resolver reads at most three name servers.
const nameServers = z.pipe(
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
const terminals = z.pipe(
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
const imageReference = z.pipe(
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

// dockerd's graph drivers (20.10); a typo would only show as dockerd refusing to start.
const storageDrivers = ['overlay2', 'fuse-overlayfs', 'btrfs', 'zfs', 'vfs', 'devicemapper', 'aufs', 'overlay'];
const storageDriver = z.pipe(
  needsValue('a storage driver'),
  z.string().check(z.refine((v) => storageDrivers.includes(v), `expected one of ${storageDrivers.join(', ')}`)),
);

/** An IPv4 address with a prefix; `hostPart` is false for the subnet's network and broadcast addresses. */
function parseBridgeAddress(value: string): { ip: string; prefix: number; hostPart: boolean } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix < 8 || prefix > 30) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  const host = address % hostBits;
  return { ip: octets.join('.'), prefix, hostPart: host !== 0 && host !== hostBits - 1 };
}

// The bridge's own address with the subnet's prefix (docker's --bip): 172.30.0.1/24,
// not the network address 172.30.0.0/24, which dockerd would take as the gateway.
const bridgeAddress = z.pipe(
  z.pipe(
    needsValue('an IPv4 address with its prefix, e.g. 172.30.0.1/24'),
    z.string().check(
      z.refine((v) => parseBridgeAddress(v) !== undefined, 'expected the bridge address with its prefix, e.g. 172.30.0.1/24 (prefix 8-30)'),
      z.refine(
        (v) => parseBridgeAddress(v)?.hostPart !== false,
        'that is the network or broadcast address of its subnet; give the bridge a host address such as 172.30.0.1/24',
      ),
    ),
  ),
  z.transform((v: string) => {
    const { ip, prefix } = parseBridgeAddress(v)!;
    return { ip, prefix };
  }),
);

// Not docker0: that one dockerd makes itself (od.bip alone sets its address).
const bridgeName = z.pipe(
  needsValue('a bridge name'),
  z.string().check(
    z.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/, 'a bridge name is 1-15 letters, digits, dots, dashes or underscores, starting with a letter'),
    z.refine((v) => v !== 'docker0', 'docker0 is the bridge dockerd makes itself; od.bip alone sets its address'),
  ),
);

const logTarget = z.pipe(
  needsValue(logTargets.join(', ')),
  z.pipe(
    z.string().check(z.refine((v) => (logTargets as readonly string[]).includes(v), `expected one of ${logTargets.join(', ')}`)),
    z.transform((v: string) => v as LogTarget),
  ),
);

// od.remote: `tls` (or a bare flag / on / 1: TLS is the only kind of remote API there
// is) or `off`. The unencrypted kind has its own, louder option.
const remoteWords: Record<string, boolean> = { tls: true, on: true, '1': true, yes: true, true: true, off: false, '0': false, no: false, false: false, none: false };
const remoteMode = z.pipe(
  anyValue.check(z.refine((v) => v === true || v.toLowerCase() in remoteWords, 'expected tls or off')),
  z.transform((v: RawValue) => v === true || remoteWords[v.toLowerCase()] === true),
);

// od.disk.timeout may be 0: look at the disks once and do not wait (RAM mode at once);
// od.disk.settle may be 0: wait the whole timeout.
const diskWaitSeconds = secondsBetween(0, 600, 10);

const shutdownSeconds = secondsBetween(1, 600, 10);

// A device node by its kernel name (/dev/sda, /dev/vdb, /dev/nvme0n1, /dev/sdb1). No
// udev makes /dev/disk/by-* links here, and a relative or odd path is more likely a
// typo than a wish to format something.
const blockDevicePath = z.pipe(
  needsValue('a device, e.g. /dev/sda'),
  z.string().check(
    z.regex(/^\/dev\/[a-z][a-z0-9]*(\/?[a-z0-9]+)*$/, 'expected a device such as /dev/sda, /dev/vdb or /dev/nvme0n1'),
  ),
);

/** Every od.* option the init knows. A key not in this table is reported as unknown. */
export const optionTable: ReadonlyArray<OptionSpec<unknown>> = [
  option({
    key: 'od.debug',
    schema: flag,
    fallback: defaultConfig.debug,
    apply: (c, v) => void (c.debug = v),
    show: String,
  }),
  option({
    key: 'od.hostname',
    schema: hostname,
    fallback: defaultConfig.hostname,
    apply: (c, v) => void (c.hostname = v),
    show: (v) => v,
  }),
  option({
    key: 'od.disk.timeout',
    schema: diskWaitSeconds,
    fallback: defaultConfig.disk.timeoutMs / 1000,
    // A new object, not a change: defaultConfig's is frozen and shared.
    apply: (c, v) => void (c.disk = { ...c.disk, timeoutMs: Math.round(v * 1000) }),
    show: (v) => `${v}s`,
  }),
  option({
    key: 'od.disk.settle',
    schema: diskWaitSeconds,
    fallback: defaultConfig.disk.settleMs / 1000,
    apply: (c, v) => void (c.disk = { ...c.disk, settleMs: Math.round(v * 1000) }),
    show: (v) => `${v}s`,
  }),
  option({
    key: 'od.disk.format',
    schema: blockDevicePath,
    fallback: defaultConfig.disk.format,
    apply: (c, v) => void (c.disk = { ...c.disk, format: v }),
    show: (v) => v ?? 'none',
  }),
  option({
    key: 'od.shutdown.timeout',
    schema: shutdownSeconds,
    fallback: defaultConfig.shutdown.timeoutMs / 1000,
    apply: (c, v) => void (c.shutdown = { ...c.shutdown, timeoutMs: Math.round(v * 1000) }),
    show: (v) => `${v}s`,
  }),
  option({
    key: 'od.dockerd.args',
    schema: argv,
    fallback: defaultConfig.dockerd.args,
    apply: (c, v) => void (c.dockerd.args = [...v]),
    show: (v) => (v.length === 0 ? 'none' : v.join(' ')),
  }),
  option({
    key: 'od.dockerd.timeout',
    schema: seconds,
    fallback: defaultConfig.dockerd.timeoutMs / 1000,
    apply: (c, v) => void (c.dockerd.timeoutMs = Math.round(v * 1000)),
    show: (v) => `${v}s`,
  }),
  option<string | null>({
    key: 'od.storage.driver',
    schema: storageDriver,
    fallback: defaultConfig.dockerd.storageDriver,
    apply: (c, v) => void (c.dockerd.storageDriver = v),
    show: (v) => v ?? "dockerd's choice",
  }),
  option<string | null>({
    key: 'od.bridge',
    schema: bridgeName,
    fallback: defaultConfig.dockerd.bridge,
    apply: (c, v) => void (c.dockerd.bridge = v),
    show: (v) => v ?? 'none, docker0',
  }),
  option<{ ip: string; prefix: number } | null>({
    key: 'od.bip',
    schema: bridgeAddress,
    fallback: defaultConfig.dockerd.bip,
    apply: (c, v) => void (c.dockerd.bip = v && { ...v }),
    show: (v) => (v ? `${v.ip}/${v.prefix}` : "dockerd's choice"),
  }),
  option<LogTarget | null>({
    key: 'od.log',
    schema: logTarget,
    fallback: defaultConfig.log,
    apply: (c, v) => void (c.log = v),
    show: (v) => v ?? 'file, both with od.debug',
  }),
  option({
    key: 'od.dhcp',
    schema: flag,
    fallback: defaultConfig.net.dhcp,
    apply: (c, v) => void (c.net.dhcp = v),
    show: (v) => (v ? 'on' : 'off'),
  }),
  option({
    key: 'od.dhcp.timeout',
    schema: seconds,
    fallback: defaultConfig.net.dhcpTimeoutMs / 1000,
    apply: (c, v) => void (c.net.dhcpTimeoutMs = Math.round(v * 1000)),
    show: (v) => `${v}s`,
  }),
  option({
    key: 'od.net.interface',
    schema: interfaceName,
    fallback: defaultConfig.net.interface,
    apply: (c, v) => void (c.net.interface = v),
    show: (v) => v,
  }),
  option<Ipv4Cidr | null>({
    key: 'od.net.address',
    schema: ipv4Cidr,
    fallback: defaultConfig.net.address,
    apply: (c, v) => void (c.net.address = v && { ...v }),
    show: (v) => (v ? `${v.ip}/${v.prefix}` : 'none, DHCP'),
  }),
  option<string | null>({
    key: 'od.net.gateway',
    schema: ipv4,
    fallback: defaultConfig.net.gateway,
    apply: (c, v) => void (c.net.gateway = v),
    show: (v) => v ?? 'none',
  }),
  option({
    key: 'od.net.dns',
    schema: nameServers,
    fallback: defaultConfig.net.dns,
    apply: (c, v) => void (c.net.dns = [...v]),
    show: (v) => (v.length ? v.join(',') : 'none'),
  }),
  option<string[] | null>({
    key: 'od.console',
    schema: terminals,
    fallback: defaultConfig.console.terminals,
    apply: (c, v) => void (c.console.terminals = v && [...v]),
    show: (v) => (v === null ? "the kernel's console= terminals" : v.length ? v.join(',') : 'none'),
  }),
  option<string | null>({
    key: 'od.console.image',
    schema: imageReference,
    fallback: defaultConfig.console.image,
    apply: (c, v) => void (c.console.image = v),
    show: (v) => v ?? 'console-image:latest, else the bundled console',
  }),
  option({
    key: 'od.remote',
    schema: remoteMode,
    fallback: defaultConfig.remote.tls,
    apply: (c, v) => void (c.remote.tls = v),
    show: (v) => (v ? 'tls' : 'off'),
  }),
  option({
    key: 'od.remote.insecure',
    schema: flag,
    fallback: defaultConfig.remote.insecure,
    apply: (c, v) => void (c.remote.insecure = v),
    show: (v) => (v ? 'on' : 'off'),
  }),
];

export type ConfigProblem =
  | { kind: 'invalid'; key: string; value: RawValue; reason: string; usingDefault: string }
  | { kind: 'unknown'; key: string; value: RawValue };

export interface ParsedConfig {
  config: InitConfig;
  problems: ConfigProblem[];
}

export function freshDefaults(): InitConfig {
  return {
    ...defaultConfig,
    dockerd: { ...defaultConfig.dockerd, args: [...defaultConfig.dockerd.args] },
    net: { ...defaultConfig.net, dns: [...defaultConfig.net.dns] },
    console: { ...defaultConfig.console },
    remote: { ...defaultConfig.remote },
  };
}

/**
 * Pure: kernel command line in, typed config and a list of problems out. A bad value
 * never stops the boot: it is reported and the default stays. When a key repeats, the
 * last one wins, like the kernel's own parameters.
 */
export function parseConfig(cmdline: string): ParsedConfig {
  const config = freshDefaults();
  const problems: ConfigProblem[] = [];
  const byKey = new Map(optionTable.map((spec) => [spec.key, spec]));

  const params: KernelParam[] = tokenizeCmdline(cmdline).filter((p) => p.key.startsWith(optionPrefix));
  for (const { key, value } of params) {
    const spec = byKey.get(key);
    if (!spec) {
      problems.push({ kind: 'unknown', key, value });
      continue;
    }
    const result = spec.schema.safeParse(value);
    if (result.success) {
      spec.apply(config, result.data);
    } else {
      // A later bad value must not keep an earlier good one: the default is used.
      spec.apply(config, spec.fallback);
      problems.push({
        kind: 'invalid',
        key,
        value,
        reason: result.error.issues.map((issue) => issue.message).join('; '),
        usingDefault: spec.show(spec.fallback),
      });
    }
  }
  return { config, problems };
}

/** One console line per problem: which key, what value, why, and what is used instead. */
export function describeProblem(problem: ConfigProblem): string {
  const shown = problem.value === true ? problem.key : `${problem.key}=${JSON.stringify(problem.value)}`;
  if (problem.kind === 'unknown') return `unknown option ${shown} ignored`;
  return `bad value ${shown}: ${problem.reason}; using the default (${problem.usingDefault})`;
}
