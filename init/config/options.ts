import * as z from 'zod/mini';
import { splitArgs, tokenizeCmdline, type KernelParam } from './cmdline.ts';
import { logTargets, type LogTarget } from '../logs/log-targets.ts';

/** The init's settings, all from the kernel command line (`od.*`). */
export interface InitConfig {
  /** od.debug: dockerd's log on the console too, and debug lines from the init. */
  debug: boolean;
  /** od.hostname */
  hostname: string;
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
}

export const defaultConfig: InitConfig = Object.freeze({
  debug: false,
  hostname: 'only-docker',
  dockerd: Object.freeze({ args: [], timeoutMs: 60_000, storageDriver: null, bridge: null, bip: null }),
  log: null,
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

const seconds = z.pipe(
  z.pipe(needsValue('a number of seconds'), z.string().check(z.regex(/^\d+(\.\d+)?s?$/, 'expected a number of seconds, e.g. 90 or 90s'))),
  z.pipe(
    z.transform((v: string) => Number(v.replace(/s$/, ''))),
    z.number().check(z.gte(1, 'at least 1 second'), z.lte(3600, 'at most 3600 seconds')),
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
];

export type ConfigProblem =
  | { kind: 'invalid'; key: string; value: RawValue; reason: string; usingDefault: string }
  | { kind: 'unknown'; key: string; value: RawValue };

export interface ParsedConfig {
  config: InitConfig;
  problems: ConfigProblem[];
}

export function freshDefaults(): InitConfig {
  return { ...defaultConfig, dockerd: { ...defaultConfig.dockerd, args: [...defaultConfig.dockerd.args] } };
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
