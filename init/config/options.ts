import { tokenizeCmdline, type KernelParam, type SourcedParam } from './cmdline.ts';
import type { InitConfig } from './init-config.ts';
import { kernelConfig } from './kernel-params.ts';
import { optionTable } from './option-table.ts';
import { printable } from '../logs/printable.ts';
import type { RawValue } from './values.ts';
import { emptyUserConfig, type UserConfig } from './user-config/user-config.ts';
import { mergeSwarmConfig } from './swarm-options.ts';

export const optionPrefix = 'od.';

/** `source`: where a parameter from the user configuration was written; absent for the command line's. */
export type ConfigProblem =
  | { kind: 'invalid'; key: string; value: RawValue; reason: string; usingDefault: string; source?: string }
  | { kind: 'unknown'; key: string; value: RawValue; source?: string };

export interface ParsedConfig {
  config: InitConfig;
  problems: ConfigProblem[];
}

/** Every option's default, in a new object each time (a config is changed in place as options are read). */
export function freshDefaults(): InitConfig {
  const config = {
    disk: {},
    shutdown: {},
    dockerd: {},
    net: {},
    console: {},
    remote: {},
    swarmOptions: {},
    swarm: null,
    kernel: kernelConfig([]),
    user: emptyUserConfig(),
  } as unknown as InitConfig;
  for (const spec of optionTable) spec.apply(config, spec.fallback);
  return config;
}

export const defaultConfig: Readonly<InitConfig> = Object.freeze(freshDefaults());

/**
 * Pure: kernel command line and user configuration in, typed config and a list of
 * problems out: the od.* options (option-table.ts), the kernel's console= and log level
 * (kernel-params.ts), and the user configuration as it is (`config.user`). A bad value
 * never stops the boot: it is reported and the default stays. When a key repeats, the
 * last one wins, like the kernel's own parameters: the user configuration's od.*
 * parameters (its `hostname:` among them) come first, so the command line overrides them.
 */
export function parseConfig(cmdline: string, user: UserConfig = emptyUserConfig()): ParsedConfig {
  const config = freshDefaults();
  const problems: ConfigProblem[] = [];
  const byKey = new Map(optionTable.map((spec) => [spec.key, spec]));

  const all = tokenizeCmdline(cmdline);
  config.kernel = kernelConfig(all);
  config.user = user;
  const fromCmdline = all.filter((p) => p.key.startsWith(optionPrefix));
  for (const param of [...user.od, ...fromCmdline] as ReadonlyArray<KernelParam & Partial<SourcedParam>>) {
    const { key, value } = param;
    const from = param.source === undefined ? {} : { source: param.source };
    const spec = byKey.get(key);
    if (!spec) {
      problems.push({ kind: 'unknown', key, value, ...from });
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
        ...from,
      });
    }
  }
  config.swarm = mergeSwarmConfig(user.swarm, config.swarmOptions);
  return { config, problems };
}

/** One console line per problem: where from (a user configuration's), which key, what value, why, and what is used instead. */
export function describeProblem(problem: ConfigProblem): string {
  const shown = problem.value === true ? problem.key : `${problem.key}=${JSON.stringify(problem.value)}`;
  const where = problem.source === undefined ? '' : `config ${problem.source}: `;
  // A value from a file may hold any character: shown, never sent to the terminal.
  if (problem.kind === 'unknown') return printable(`${where}unknown option ${shown} ignored`);
  return printable(`${where}bad value ${shown}: ${problem.reason}; using the default (${problem.usingDefault})`);
}
