// The configuration's `docker.daemon` becomes dockerd's daemon.json. dockerd refuses to
// start when one setting is given both as a flag and in the file ("the following
// directives are specified both as a flag and in the configuration file"), and the init
// passes flags of its own (od.* options, the remote API, containerd): a key the command
// line already sets is left out of the file, with a note, so that Docker still starts.
import { setsFlag } from './dockerd-args.ts';

/** Flags whose daemon.json key is not the flag's own name (plural lists, short forms). */
const keyOfFlag: Readonly<Record<string, string>> = {
  '-D': 'debug',
  '-s': 'storage-driver',
  '-b': 'bridge',
  '-H': 'hosts',
  '-G': 'group',
  '-l': 'log-level',
  '--host': 'hosts',
  '--log-opt': 'log-opts',
  '--storage-opt': 'storage-opts',
  '--exec-opt': 'exec-opts',
  '--registry-mirror': 'registry-mirrors',
  '--insecure-registry': 'insecure-registries',
  '--default-address-pool': 'default-address-pools',
  '--label': 'labels',
  '--dns-opt': 'dns-opts',
  '--add-runtime': 'runtimes',
  '--authorization-plugin': 'authorization-plugins',
  '--default-ulimit': 'default-ulimits',
  '--allow-nondistributable-artifacts': 'allow-nondistributable-artifacts',
};

/** The daemon.json key a command-line word sets, or undefined when the word is not a flag. */
export function daemonKeyOf(word: string): string | undefined {
  if (!word.startsWith('-') || word === '-' || word === '--') return undefined;
  const flag = word.split('=', 1)[0]!;
  return keyOfFlag[flag] ?? (flag.startsWith('--') ? flag.slice(2) : undefined);
}

export interface DaemonJsonPlan {
  /** What goes into the file; null when nothing is left (no --config-file then). */
  file: Record<string, unknown> | null;
  /** Keys left out, and why, for the console. */
  notes: string[];
}

/** Does the file choose how container logs are kept? Then the init's default rotation flags stay out. */
export function daemonSetsLogging(daemon: Readonly<Record<string, unknown>>): boolean {
  return 'log-driver' in daemon || 'log-opts' in daemon;
}

/**
 * The daemon.json for dockerd's command line `args` (every flag the init passes, and
 * od.dockerd.args): each key that a flag already sets is left out; a --config-file of
 * the person's own (od.dockerd.args) wins over the whole section.
 */
export function planDaemonJson(daemon: Readonly<Record<string, unknown>>, args: readonly string[]): DaemonJsonPlan {
  const keys = Object.keys(daemon);
  if (keys.length === 0) return { file: null, notes: [] };
  if (setsFlag(args, ['--config-file'])) {
    return { file: null, notes: ['docker.daemon ignored: od.dockerd.args names a --config-file of its own, which wins'] };
  }
  const fromFlags = new Map<string, string>();
  for (const word of args) {
    const key = daemonKeyOf(word);
    if (key !== undefined && !fromFlags.has(key)) fromFlags.set(key, word.split('=', 1)[0]!);
  }
  const file: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const key of keys) {
    const flag = fromFlags.get(key);
    if (flag === undefined) file[key] = daemon[key];
    else notes.push(`docker.daemon.${key} ignored: dockerd's command line sets it (${flag}, from an od.* option or od.dockerd.args), which wins`);
  }
  return { file: Object.keys(file).length ? file : null, notes };
}
