// Where things live on the DOCKER disk. The disk's root IS Docker's data root (mounted
// on /var/lib/docker): a disk someone formatted by hand (`mke2fs -L DOCKER /dev/sda`,
// seed 002) or that kvm/run.sh made works as it is, and Docker's own layout is not
// nested one level deeper than people expect. The init keeps what is its own in one
// hidden directory beside Docker's (Docker never touches names it does not know):
//
//   /var/lib/docker/                  the DOCKER disk; Docker's directories
//   /var/lib/docker/.only-docker/root bind-mounted on /root   (the console's home)
//   /var/lib/docker/.only-docker/log  bind-mounted on /var/log (dockerd and init logs)
//   /var/lib/docker/.only-docker/tls  the remote API's certificates (prepareTls)
//
// Bind mounts rather than symlinks: /root and /var/log are handed to containers by
// their host paths (the console mounts /root at /root), and a bind mount is the same
// directory for every path lookup, inside a container or not.
import { join } from 'node:path';

export const dockerDataRoot = '/var/lib/docker';
export const stateDirName = '.only-docker';
export const dockerLabel = 'DOCKER';

export interface PersistentDir {
  /** Directory on the disk, relative to the disk's root. */
  onDisk: string;
  /** Where it is bind-mounted. */
  target: string;
  mode: number;
}

export const persistentDirs: readonly PersistentDir[] = [
  { onDisk: join(stateDirName, 'root'), target: '/root', mode: 0o700 },
  { onDisk: join(stateDirName, 'log'), target: '/var/log', mode: 0o755 },
];
