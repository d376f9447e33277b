import type { InitConfig } from '../config/init-config.ts';
import { formatIpv4Cidr } from '../net/ipv4-cidr.ts';

export interface DockerdArgsInput {
  config: InitConfig;
  /** The bridge createBridge set up; undefined when there was none to set up. */
  bridge?: { name: string; ready: boolean };
  /** The configuration's daemon.json chooses the log driver or its options (daemon-json.ts). */
  daemonSetsLogging?: boolean;
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
 * (od.bip alone, or when the bridge could not be made), --label (swarm.labels), then
 * od.dockerd.args as given.
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
  const bip = dockerd.bip ? formatIpv4Cidr(dockerd.bip) : undefined;
  if (input.bridge?.ready) {
    if (setsFlag(user, ['--bip'])) notes.push('od.bridge: od.dockerd.args sets --bip, which dockerd refuses together with -b');
    add('od.bridge', ['-b', '--bridge'], input.bridge.name);
  } else if (bip) {
    if (input.bridge) notes.push(`od.bridge: ${input.bridge.name} could not be set up; dockerd makes docker0 with --bip ${bip} instead`);
    if (setsFlag(user, ['-b', '--bridge'])) notes.push('od.bip: od.dockerd.args sets -b/--bridge, which dockerd refuses together with --bip');
    else add('od.bip', ['--bip'], bip);
  }
  // The swarm's labels as engine labels: `docker node inspect` shows them
  // (Description.Engine.Labels) and services are placed by them
  // (--constraint engine.labels.zone==a). dockerd refuses labels given both as flags and
  // in daemon.json, so a daemon.json with its own wins.
  const labels = Object.entries(input.config.swarm?.labels ?? {});
  if (labels.length > 0 && 'labels' in input.config.user.docker.daemon) {
    notes.push('swarm.labels ignored: docker.daemon sets labels itself (dockerd takes them from one place only); put them there');
  } else {
    for (const [key, value] of labels) args.push('--label', `${key}=${value}`);
  }
  // Container logs are kept in /var/lib/docker, RAM without a disk: without a bound a
  // chatty container fills it. Docker's own default is no bound at all. A person's
  // --log-driver/--log-opt or config file (theirs, or docker.daemon's log keys) decides
  // instead (dockerd refuses a setting given both as a flag and in daemon.json, and these
  // options mean nothing to other drivers).
  if (!input.daemonSetsLogging && !setsFlag(user, ['--log-driver', '--log-opt', '--config-file'])) args.push(...defaultLogOptions);
  return { args: [...args, ...user], notes };
}

/** json-file's rotation: at most 3 files of 10 MB for each container. */
export const defaultLogOptions: readonly string[] = ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'];
