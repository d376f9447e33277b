// Path resolution inside a staging root, as a chroot would see it: an absolute symlink
// in an extracted package ("/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...")
// points into the staging root, never at the build host's own files.
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

const MAX_LINKS = 40; // the kernel's own limit on symlinks followed in one lookup

/**
 * Resolves `path` (absolute, as seen from inside `root`) following every symlink within
 * the root. Returns the final in-root path ("/usr/lib/x86_64-linux-gnu/libc.so.6"), or
 * undefined when some component does not exist or the links loop.
 */
export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  let pending = posix.normalize(posix.join('/', path)).split('/').filter(Boolean);
  let resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    let info;
    try {
      info = await lstat(join(root, ...candidate));
    } catch {
      return undefined;
    }
    if (!info.isSymbolicLink()) {
      resolved = candidate;
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = await readlink(join(root, ...candidate));
    const targetParts = target.split('/').filter(Boolean);
    if (target.startsWith('/')) resolved = [];
    pending = [...targetParts, ...pending];
  }
  return `/${resolved.join('/')}`;
}
