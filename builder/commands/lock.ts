// `only-docker lock`: the locked Debian packages and whether the lock matches the
// configuration. `lock --update` resolves again from the suite's signed indexes, writes
// the lock and prints what changed.
import { relative, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadConfig, withOverrides } from '../config/load-config.ts';
import { REPO_ROOT } from '../project.ts';
import { configMirrors, lockPath, lockRequest } from '../sources/debian-sources.ts';
import { diffLocks, lockState, readLock, serializeLock, writeLock, type LockDiff, type LockFile } from '../sources/lock-file.ts';
import { resolveLock } from '../sources/update-lock.ts';

interface LockArgs {
  config: string;
  update: boolean;
  'allow-expired': boolean;
  'cache-dir'?: string;
}

export function describeDiff(diff: LockDiff): string[] {
  return [
    ...diff.added.map((p) => `+ ${p.name} ${p.version}`),
    ...diff.removed.map((p) => `- ${p.name} ${p.version}`),
    ...diff.changed.map((c) => `~ ${c.name} ${c.from} -> ${c.to}`),
  ];
}

function summary(lock: LockFile): string {
  const bytes = lock.packages.reduce((sum, p) => sum + p.size, 0);
  return `${lock.packages.length} packages of ${lock.suite} (${lock.pockets.map((p) => p.dist).join(', ')}), ${(bytes / 1e6).toFixed(1)} MB of .deb files`;
}

export const lockCommand: CommandModule<{ config: string }, LockArgs> = {
  command: 'lock',
  describe: 'Show the locked Debian packages; --update resolves them again from the signed indexes',
  builder: (yargs) =>
    yargs
      .option('update', { type: 'boolean', default: false, describe: 'Refresh the lock from the suite\'s signed indexes and print what changed' })
      .option('allow-expired', {
        type: 'boolean',
        default: false,
        describe: 'Accept a signed Release past its Valid-Until (a mirror that lags behind), with a warning',
      })
      .option('cache-dir', { type: 'string', describe: 'Where verified indexes are kept (config: cacheDir)' }),
  handler: async (args) => {
    const config = withOverrides(await loadConfig(args.config), { cacheDir: args['cache-dir'] });
    const path = lockPath(config);
    const shown = relative(REPO_ROOT, path);
    const request = lockRequest(config);
    const before = await readLock(path);
    if (!args.update) {
      const state = lockState(before, request);
      if (!before) {
        console.log(`${shown}: missing; write it with "make lock"`);
        process.exitCode = 1;
        return;
      }
      for (const p of before.packages) console.log(`${p.name} ${p.version} ${p.architecture} (${p.pocket})`);
      console.log(`${shown}: ${summary(before)}; ${state === 'current' ? 'matches the configuration' : 'STALE: the configuration changed, run "make lock"'}`);
      if (state !== 'current') process.exitCode = 1;
      return;
    }
    const mirrors = await configMirrors(config);
    const after = await resolveLock(request, mirrors, {
      cacheDir: resolve(REPO_ROOT, config.cacheDir),
      allowExpired: args['allow-expired'],
      onProgress: (message) => console.error(`lock: ${message}`),
    });
    const unchanged = before !== undefined && serializeLock(before) === serializeLock(after);
    if (!unchanged) await writeLock(path, after);
    const changes = describeDiff(diffLocks(before, after));
    for (const line of changes) console.log(line);
    console.log(`${shown}: ${summary(after)}; ${unchanged ? 'unchanged' : changes.length === 0 ? 'rewritten (no package changed)' : `${changes.length} change(s)`}`);
  },
};
