// The files the SSH server needs from the host, written before its container is made.
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BootPaths } from '../context.ts';
import { writeFileAtomic } from '../net/resolv-conf.ts';
import { renderAuthorizedKeys } from './ssh-container.ts';

export type SshPaths = Pick<BootPaths, 'sshHostKeyDir' | 'sshAuthorizedKeys' | 'rootSshDir'>;

/**
 * dropbear refuses keys in a file or directory that others may write, and host keys
 * are secrets: 0700 directories, a 0600 file (chmod as well, for a directory an older
 * boot left). root's ~/.ssh is made 0700 when missing, because otherwise the runtime
 * makes it (0755) as the mount point of the authorized keys.
 */
export async function writeSshFiles(paths: SshPaths, authorizedKeys: readonly string[]): Promise<void> {
  const keysDir = dirname(paths.sshAuthorizedKeys);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await chmod(keysDir, 0o700);
  await writeFileAtomic(paths.sshAuthorizedKeys, renderAuthorizedKeys(authorizedKeys), 0o600);
  await chmod(paths.sshAuthorizedKeys, 0o600);
  await mkdir(paths.sshHostKeyDir, { recursive: true, mode: 0o700 });
  await chmod(paths.sshHostKeyDir, 0o700);
  await mkdir(paths.rootSshDir, { recursive: true, mode: 0o700 });
}
