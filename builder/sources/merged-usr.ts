// Debian is merged-/usr: /bin, /sbin, /lib and /lib64 are symlinks into /usr. Debian 12's
// packages still ship some files under the old names (libc6 in /lib/x86_64-linux-gnu, the
// kernel in /lib/modules); Debian 13's ship everything under /usr. Either way the same
// file has two spellings. Initrd paths use the /usr one,
// and the initrd gets the same four links, so a program asking for either finds it.
import { lstat, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

export interface MergedUsrLink {
  /** Path of the link, relative to the root ("lib"). */
  path: string;
  /** What it points at, relative, as Debian's usrmerge makes it ("usr/lib"). */
  target: string;
}

export const MERGED_USR_LINKS: readonly MergedUsrLink[] = [
  { path: 'bin', target: 'usr/bin' },
  { path: 'sbin', target: 'usr/sbin' },
  { path: 'lib', target: 'usr/lib' },
  { path: 'lib64', target: 'usr/lib64' },
];

/**
 * The /usr spelling of an absolute path: "/lib/x86_64-linux-gnu/libc.so.6" becomes
 * "/usr/lib/x86_64-linux-gnu/libc.so.6"; paths outside the four merged directories
 * are returned normalised but otherwise unchanged.
 */
export function canonicalUsrPath(path: string): string {
  const normalized = posix.normalize(posix.join('/', path));
  for (const link of MERGED_USR_LINKS) {
    const prefix = `/${link.path}`;
    if (normalized === prefix || normalized.startsWith(`${prefix}/`)) return `/${link.target}${normalized.slice(prefix.length)}`;
  }
  return normalized;
}

/**
 * Gives an extracted root the merged-/usr links a Debian system has (base-files and the
 * usrmerge transition make them at install time; an extracted package set lacks them).
 * A name the packages shipped as a real directory (Debian 12's /lib) is left alone.
 */
export async function linkMergedUsr(root: string): Promise<void> {
  for (const link of MERGED_USR_LINKS) {
    const path = join(root, link.path);
    const present = await lstat(path).then(
      () => true,
      () => false,
    );
    if (!present) await symlink(link.target, path);
  }
}
