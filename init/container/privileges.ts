// Is this container privileged enough for dockerd? Without --privileged, dockerd fails
// much later with mount or netlink errors that do not say what is missing; this check
// says it first, and names the flag.
import { readFileSync } from 'node:fs';
import { parseMountInfo } from '../storage/mountinfo.ts';
import { OdError } from '../../contract/errors.ts';

export class NotPrivilegedError extends OdError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `this container is not privileged (${reason}): Docker-in-Docker needs it. ` +
        'Run it with --privileged, e.g. docker run --privileged -d only-docker/dind',
      options,
    );
  }
}

/** Capabilities dockerd cannot do without: mounts and namespaces, networks and iptables. */
const required = [
  { bit: 21, name: 'CAP_SYS_ADMIN' },
  { bit: 12, name: 'CAP_NET_ADMIN' },
] as const;

/** The effective capability set from /proc/self/status (a hex bitmask), or undefined. */
export function effectiveCapabilities(statusText: string): bigint | undefined {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return match ? BigInt(`0x${match[1]}`) : undefined;
}

export interface PrivilegeInput {
  statusText: string;
  mountinfoText: string;
}

/**
 * Why dockerd cannot run here, or undefined. A container run without --privileged lacks
 * CAP_SYS_ADMIN, and gets /sys read-only even with that capability added by hand
 * (--cap-add SYS_ADMIN): cgroups and bridges then fail inside dockerd.
 */
export function privilegeProblem(input: PrivilegeInput): string | undefined {
  const caps = effectiveCapabilities(input.statusText);
  if (caps === undefined) return 'no CapEff line in /proc/self/status';
  const missing = required.filter(({ bit }) => (caps & (1n << BigInt(bit))) === 0n).map(({ name }) => name);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  // The last mount on /sys is the one in effect.
  const sys = parseMountInfo(input.mountinfoText).filter((mount) => mount.mountPoint === '/sys').at(-1);
  if (sys?.options.split(',').includes('ro')) return '/sys is mounted read-only';
  return undefined;
}

export function checkPrivileged(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): void {
  let problem: string | undefined;
  try {
    problem = privilegeProblem({ statusText: read('/proc/self/status'), mountinfoText: read('/proc/self/mountinfo') });
  } catch (cause) {
    throw new NotPrivilegedError(`cannot read /proc: ${(cause as Error).message}`, { cause });
  }
  if (problem) throw new NotPrivilegedError(problem);
}
