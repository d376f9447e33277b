// The configuration's `files`, written at boot. The schema already refused paths outside
// /etc, /root, /var/lib/docker and /run; here the same rule holds for where the path
// really leads: a directory on the way may be a symlink (on a DOCKER disk, anything the
// console wrote last boot), so the parent's real path is checked again after it exists.
// Each file is written beside its place and renamed over it: a reader never sees half,
// and a symlink standing at the path is replaced, never followed.
import { chmod, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { FileSpec } from '../config/user-config/user-config.ts';
import { isWritablePath } from '../config/user-config/user-config-schema.ts';
import { describeError, OdError } from '../../contract/errors.ts';

export class UserFileError extends OdError {}

export type UserFileOutcome = { path: string; status: 'written'; bytes: number } | { path: string; status: 'failed'; error: string };

/** The file's bytes: its text, or its base64 decoded. */
export function userFileContent(file: FileSpec): Buffer {
  return file.encoding === 'base64' ? Buffer.from(file.content.replace(/\s/g, ''), 'base64') : Buffer.from(file.content, 'utf8');
}

async function writeOne(file: FileSpec, root: string): Promise<UserFileOutcome> {
  const target = join(root, file.path);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  const real = await realpath(parent);
  const realInGuest = root === '/' ? real : real.startsWith(`${root}/`) ? real.slice(root.length) : undefined;
  if (realInGuest === undefined || !isWritablePath(join(realInGuest, basename(file.path)))) {
    throw new UserFileError(`${file.path}: its directory leads to ${real}, outside where files may be written`);
  }
  const bytes = userFileContent(file);
  const temporary = join(real, `.${basename(file.path)}.od-tmp`);
  try {
    await writeFile(temporary, bytes, { mode: file.mode, flag: 'w' });
    // writeFile's mode is masked by the umask; the configuration's mode is meant exactly.
    await chmod(temporary, file.mode);
    await rename(temporary, join(real, basename(file.path)));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: file.path, status: 'written', bytes: bytes.length };
}

/** Writes every file; one that cannot be written is reported and the others still are. `root` is for tests. */
export async function writeUserFiles(files: readonly FileSpec[], root = '/'): Promise<UserFileOutcome[]> {
  const outcomes: UserFileOutcome[] = [];
  for (const file of files) {
    try {
      outcomes.push(await writeOne(file, root));
    } catch (error) {
      outcomes.push({ path: file.path, status: 'failed', error: describeError(error) });
    }
  }
  return outcomes;
}
