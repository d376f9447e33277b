// Records for files taken from the staging root (where the Debian packages were
// extracted), by their path inside the initrd. A trailing "/" takes a whole directory.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, file, symlink, type InitrdRecord } from '../cpio/records.ts';
import { OdError } from '../../contract/errors.ts';

export class StagedFileMissingError extends OdError {
  constructor(
    readonly path: string,
    readonly stagingDir: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} is in the configuration's "files" but no fetched package provides it (looked in ${stagingDir}); add the package that has it to "packages"`, options);
  }
}

export interface StagedFiles {
  records: InitrdRecord[];
  /** Host paths of the regular files with an execute bit or a .so name: their shared
   * libraries are needed too. */
  elfCandidates: string[];
}

async function recordsFor(stagingDir: string, path: string, out: StagedFiles): Promise<void> {
  const source = join(stagingDir, path);
  const info = await lstat(source);
  if (info.isSymbolicLink()) {
    out.records.push(symlink(path, await readlink(source)));
  } else if (info.isDirectory()) {
    out.records.push(dir(path, info.mode & 0o7777));
    for (const name of (await readdir(source)).sort()) await recordsFor(stagingDir, join(path, name), out);
  } else if (info.isFile()) {
    const mode = info.mode & 0o7777;
    out.records.push(file(path, { fromPath: source }, mode));
    if (mode & 0o111 || /\.so(\.|$)/.test(path)) out.elfCandidates.push(source);
  }
}

export async function stagedFiles(stagingDir: string, paths: string[]): Promise<StagedFiles> {
  const out: StagedFiles = { records: [], elfCandidates: [] };
  for (const path of paths) {
    try {
      await recordsFor(stagingDir, path.replace(/\/+$/, ''), out);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new StagedFileMissingError(path, stagingDir, { cause });
      throw cause;
    }
  }
  return out;
}
