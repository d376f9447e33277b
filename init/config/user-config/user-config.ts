// What the user configuration file ("user data") gives the init: one layer per source
// as parsed, and the one configuration they merge into (merge-user-config.ts).
import type { SourcedParam } from '../cmdline.ts';
import type { FileSpec, InterfaceSpec, ServiceSpec, SwarmSpec } from './user-config-schema.ts';

export type { FileSpec, InterfaceSpec, ServiceSpec, SwarmSpec };

/**
 * One source's settings, validated, with only what the source gave: an absent key is
 * absent here, so a later layer's absence never undoes an earlier layer's value.
 */
export interface UserConfigLayer {
  /** Names the source in problems and in `UserConfig.sources`, e.g. `/dev/sr1:user-data`. */
  source: string;
  hostname?: string;
  docker?: { daemon?: Record<string, unknown>; env?: Record<string, string> };
  services?: ServiceSpec[];
  files?: FileSpec[];
  ssh?: { authorizedKeys?: string[] };
  ntp?: { servers?: string[] };
  interfaces?: InterfaceSpec[];
  swarm?: SwarmSpec;
  /** The `od:` mapping as kernel parameters (`hostname:` first, as od.hostname), in the file's order. */
  od?: SourcedParam[];
}

/** The merged configuration, every part defaulted: what later boot steps read as `ctx.config.user`. */
export interface UserConfig {
  /** `hostname:` of the last source that has one; also applied as od.hostname. */
  hostname: string | null;
  docker: {
    /** Written as dockerd's daemon.json; dockerd validates it. */
    daemon: Record<string, unknown>;
    /** dockerd's environment (HTTP_PROXY and the like). */
    env: Record<string, string>;
  };
  services: ServiceSpec[];
  files: FileSpec[];
  ssh: { authorizedKeys: string[] };
  /** null: the servers the DHCP lease names. */
  ntp: { servers: string[] | null };
  /** More network cards with static addresses (configureInterfaces). */
  interfaces: InterfaceSpec[];
  /** As the files gave it; the init acts on `InitConfig.swarm`, this with the od.swarm.* options over it. */
  swarm: SwarmSpec | null;
  /** od.* parameters for the option table, applied before the kernel command line's. */
  od: SourcedParam[];
  /** The sources merged, lowest precedence first. */
  sources: string[];
}

export function emptyUserConfig(): UserConfig {
  return {
    hostname: null,
    docker: { daemon: {}, env: {} },
    services: [],
    files: [],
    ssh: { authorizedKeys: [] },
    ntp: { servers: null },
    interfaces: [],
    swarm: null,
    od: [],
    sources: [],
  };
}

interface Located {
  /** The source, e.g. `/dev/sr1:user-data`. */
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/**
 * What was wrong in a source and what the init did about it. `path` names the key as
 * `services[0].restart`; `outcome` says what was dropped (`service "web" ignored`).
 * Text in these fields comes from the file: print it through describeUserConfigProblem,
 * which makes control characters visible.
 */
export type UserConfigProblem =
  | (Located & { kind: 'syntax'; message: string })
  | (Located & { kind: 'limit'; message: string })
  | (Located & { kind: 'unknown'; path: string })
  | (Located & { kind: 'invalid'; path: string; message: string; outcome: string })
  | (Located & { kind: 'refused'; path: string; message: string; outcome: string });

export interface ParsedUserConfig {
  config: UserConfigLayer;
  problems: UserConfigProblem[];
}
