// Whether the certificate directory survives a reboot: it does when it lies on a real
// filesystem (the DOCKER disk mounted on /var/lib/docker), not when it is in the
// initramfs or a tmpfs (RAM mode, where everything is new at each boot).
import { readFileSync } from 'node:fs';
import { parseMountInfo, type MountInfo } from '../storage/mountinfo.ts';

/** The fields of a mountinfo line this module reads (storage/mountinfo.ts parses them). */
export type MountPoint = Pick<MountInfo, 'mountPoint' | 'fstype' | 'source'>;

const volatileFilesystems = new Set(['rootfs', 'tmpfs', 'ramfs']);

/** The mount a path lies on: the longest mount point that contains it, the last such mount. */
export function mountOf(path: string, mounts: readonly MountPoint[]): MountPoint | undefined {
  let best: MountPoint | undefined;
  for (const mount of mounts) {
    const point = mount.mountPoint.endsWith('/') ? mount.mountPoint : `${mount.mountPoint}/`;
    const inside = path === mount.mountPoint || path.startsWith(point) || mount.mountPoint === '/';
    if (inside && (!best || mount.mountPoint.length >= best.mountPoint.length)) best = mount;
  }
  return best;
}

export interface Persistence {
  persistent: boolean;
  /** For the console: "/dev/vda on /var/lib/docker (ext4)" or "the initramfs (rootfs)". */
  where: string;
}

export function persistenceOf(path: string, mountinfoText: string): Persistence {
  const mount = mountOf(path, parseMountInfo(mountinfoText));
  if (!mount) return { persistent: false, where: 'no mount found' };
  const persistent = !volatileFilesystems.has(mount.fstype);
  const where = mount.mountPoint === '/' && !persistent ? `the initramfs (${mount.fstype})` : `${mount.source} on ${mount.mountPoint} (${mount.fstype})`;
  return { persistent, where };
}

export function readPersistence(path: string, mountinfoPath: string): Persistence {
  let text = '';
  try {
    text = readFileSync(mountinfoPath, 'utf8');
  } catch {
    // No /proc: nothing can be said to be persistent.
  }
  return persistenceOf(path, text);
}
