import type { InitConfig } from '../config/options.ts';

export interface DockerdArgsInput {
  config: InitConfig;
  /** The bridge createBridge set up; undefined when there was none to set up. */
  bridge?: { name: string; ready: boolean };
}

export interface DockerdArgs {
  args: string[];
  /** Why an option did not become a flag, for the console. */
  notes: string[];
}

/** Does the user's od.dockerd.args already set this flag (`--flag`, `--flag=v`, `-f`)? */
export function setsFlag(args: readonly string[], names: readonly string[]): boolean {
  return args.some((arg) => names.some((name) => arg === name || arg.startsWith(`${name}=`)));
}

/**
 * dockerd's command line from the boot options: --debug (od.debug), --storage-driver
 * (od.storage.driver), -b (od.bridge + od.bip, once the init made the bridge) or --bip
 * (od.bip alone, or when the bridge could not be made), then od.dockerd.args as given.
 * Where od.dockerd.args sets the same flag itself, it wins and ours is left out: dockerd
 * refuses -b with --bip, and a person who spelled a flag out meant it.
 */
export function dockerdArgs(input: DockerdArgsInput): DockerdArgs {
  const { dockerd, debug } = input.config;
  const user = dockerd.args;
  const args: string[] = [];
  const notes: string[] = [];
  const add = (option: string, flags: readonly string[], value?: string) => {
    if (setsFlag(user, flags)) {
      notes.push(`${option}: od.dockerd.args sets ${flags[0]} itself, which wins`);
      return;
    }
    args.push(flags[0]!, ...(value === undefined ? [] : [value]));
  };
  if (debug) add('od.debug', ['--debug', '-D']);
  if (dockerd.storageDriver) add('od.storage.driver', ['--storage-driver', '-s'], dockerd.storageDriver);
  const bip = dockerd.bip ? `${dockerd.bip.ip}/${dockerd.bip.prefix}` : undefined;
  if (input.bridge?.ready) {
    if (setsFlag(user, ['--bip'])) notes.push('od.bridge: od.dockerd.args sets --bip, which dockerd refuses together with -b');
    add('od.bridge', ['-b', '--bridge'], input.bridge.name);
  } else if (bip) {
    if (input.bridge) notes.push(`od.bridge: ${input.bridge.name} could not be set up; dockerd makes docker0 with --bip ${bip} instead`);
    if (setsFlag(user, ['-b', '--bridge'])) notes.push('od.bip: od.dockerd.args sets -b/--bridge, which dockerd refuses together with --bip');
    else add('od.bip', ['--bip'], bip);
  }
  return { args: [...args, ...user], notes };
}
