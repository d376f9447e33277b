// A cheap fingerprint of apt's view of the archive. Resolving candidates costs about
// 0.7 s per apt-cache call on this host (Debian's container images disable apt's binary
// cache, so every call re-reads the lists); a warm build reuses the last resolution
// while the package lists and pinning files are unchanged.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function statEntries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [`${dir}:absent`];
  }
  const lines: string[] = [];
  for (const name of names) {
    try {
      const info = await stat(join(dir, name));
      if (info.isFile()) lines.push(`${dir}/${name}:${info.size}:${info.mtimeMs}`);
    } catch {
      // vanished while listing: the fingerprint simply differs next time
    }
  }
  return lines;
}

/** Hex digest over the list files apt resolves from, and the pinning that picks candidates. */
export async function aptStateFingerprint(listsDir: string, etcDir = '/etc/apt'): Promise<string> {
  const parts = [
    ...(await statEntries(listsDir)),
    ...(await statEntries(etcDir)),
    ...(await statEntries(join(etcDir, 'preferences.d'))),
    ...(await statEntries(join(etcDir, 'sources.list.d'))),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Whether the lists directory holds any package index at all (none before `apt-get update`). */
export async function hasPackageLists(listsDir: string): Promise<boolean> {
  try {
    return (await readdir(listsDir)).some((name) => /_Packages(\.[a-z0-9]+)?$/.test(name));
  } catch {
    return false;
  }
}
