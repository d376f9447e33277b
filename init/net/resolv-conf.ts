import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** resolv.conf for a static address: a comment saying where it came from, then the servers. */
export function renderResolvConf(nameservers: readonly string[], search: readonly string[] = [], origin = 'od.net.dns'): string {
  const lines = [`# written by the only-docker init from ${origin}`];
  if (search.length) lines.push(`search ${search.join(' ')}`);
  for (const server of nameservers) lines.push(`nameserver ${server}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Replaces a file by rename, like the DHCP script does: a reader (Docker copying
 * resolv.conf into a new container) sees the old file or the new one, never half.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}`);
  await writeFile(temporary, content, { mode });
  await rename(temporary, path);
}
