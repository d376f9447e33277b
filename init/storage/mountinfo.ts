import { readFileSync } from 'node:fs';

/** One line of /proc/self/mountinfo (proc(5)), the fields the init uses. */
export interface MountInfo {
  id: number;
  parentId: number;
  /** "major:minor" of the filesystem: the same for a disk and every bind mount of it. */
  devno: string;
  /** The directory of the filesystem that this mount shows (/ for a plain mount). */
  root: string;
  mountPoint: string;
  options: string;
  fstype: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    mounts.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      devno: fields[2]!,
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      options: fields[5]!,
      fstype: fields[dash + 1]!,
      source: unescape(fields[dash + 2]!),
    });
  }
  return mounts;
}

export function readMountInfo(path = '/proc/self/mountinfo'): MountInfo[] {
  try {
    return parseMountInfo(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/** True when `path` is `dir` or inside it. */
export function isAtOrBelow(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
