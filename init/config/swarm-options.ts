// The od.swarm.* options (the simple cases on the kernel command line: start a swarm,
// or join one with an address and a token) and how they merge with the configuration
// file's `swarm:`. One merged result goes into InitConfig.swarm, so the step that acts
// on it never reads two places.
import { isIPv4 } from 'node:net';
import * as z from 'zod/mini';
import { interfaceNamePattern } from './net-console-values.ts';
import { hostAndPort, word } from './user-config/user-config-values.ts';
import type { SwarmSpec } from './user-config/user-config.ts';
import { needsValue } from './values.ts';

/** od.swarm.* as given; null: not given, the file decides. */
export interface SwarmOptions {
  /** od.swarm.init: true starts a swarm; false (od.swarm.init=0) undoes the file's `init: true`. */
  init: boolean | null;
  /** od.swarm.join=HOST:PORT: a manager to join. */
  join: string | null;
  /** od.swarm.token: the join token (`docker swarm join-token -q worker` on a manager). */
  token: string | null;
  /** od.swarm.advertise: the interface or address the other nodes reach this one at. */
  advertise: string | null;
}

export const noSwarmOptions: Readonly<SwarmOptions> = Object.freeze({ init: null, join: null, token: null, advertise: null });

/** The swarm this node starts or joins, and why part of od.swarm.* was not used. */
export interface SwarmConfig extends SwarmSpec {
  /** For the console (joinSwarm prints them): od.swarm.* options left out and why. */
  notes: string[];
}

export const swarmJoinAddress = z.pipe(needsValue('a manager as host:port, e.g. 10.9.0.11:2377'), hostAndPort);

export const swarmToken = z.pipe(needsValue('a join token (docker swarm join-token -q worker)'), word);

// What Docker's AdvertiseAddr takes: an interface (eth1), an address (10.9.0.11), either
// with a port (eth1:2377).
const isAdvertiseAddress = (value: string) => {
  const colon = value.lastIndexOf(':');
  const [host, port] = colon < 0 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
  return (interfaceNamePattern.test(host) || isIPv4(host)) && (port === undefined || /^[1-9]\d{0,4}$/.test(port));
};

export const swarmAdvertise = z.pipe(
  needsValue('an interface or an address, e.g. eth1 or 10.9.0.11'),
  z.string().check(z.refine(isAdvertiseAddress, 'expected an interface or an IPv4 address, with :PORT or without, e.g. eth1 or 10.9.0.11')),
);

const given = (options: SwarmOptions) => options.init !== null || options.join !== null || options.token !== null || options.advertise !== null;

/**
 * The file's `swarm:` with the od.swarm.* options over it (the command line wins, as
 * everywhere). od.swarm.join wins over od.swarm.init given with it: a node that starts
 * a second, separate swarm by mistake is worse than one that fails to join. A join
 * without a token, or a token with nothing to join, is left out and said.
 */
export function mergeSwarmConfig(file: SwarmSpec | null, options: SwarmOptions): SwarmConfig | null {
  if (!file && !given(options)) return null;
  const { init, join, ...rest } = file ?? {};
  const notes: string[] = [];
  let start = init;
  let joining = join;
  if (options.init !== null) {
    start = options.init;
    if (options.init) joining = undefined;
  }
  if (options.join !== null) {
    if (options.init) notes.push('od.swarm.init ignored: od.swarm.join is given too, and a node starts a swarm or joins one');
    start = undefined;
    const token = options.token ?? joining?.token;
    if (token === undefined) notes.push(`od.swarm.join=${options.join} ignored: no join token (od.swarm.token, or swarm.join.token in the configuration)`);
    joining = token === undefined ? joining : { address: options.join, token };
  } else if (options.token !== null) {
    if (joining) joining = { ...joining, token: options.token };
    else notes.push('od.swarm.token ignored: there is no swarm to join (od.swarm.join, or swarm.join in the configuration)');
  }
  return {
    ...rest,
    ...(start ? { init: true } : {}),
    ...(joining && !start ? { join: joining } : {}),
    ...(options.advertise !== null ? { advertise: options.advertise } : {}),
    notes,
  };
}
