// The reference initrd: the real build's assembled records with only /init replaced by
// the shell script beside this file, written and compressed the way the build does it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RecordTree } from '../builder/cpio/record-tree.ts';
import { file, type InitrdRecord } from '../builder/cpio/records.ts';
import { writeNewcFile } from '../builder/cpio/newc-writer.ts';
import { compressFile, effectiveMethod, type CompressionSettings } from '../builder/cpio/compress.ts';
import { sha256File } from '../builder/sources/file-hash.ts';
import { OdError } from '../contract/errors.ts';

export const REFERENCE_INIT_SCRIPT = join(import.meta.dirname, 'reference-init.sh');
const COMPRESSOR_SOURCE = join(import.meta.dirname, '../builder/cpio/compress.ts');

export class ReferenceInitrdError extends OdError {}

/** A copy of the tree where /init is `init` (the tree refuses a second, different /init). */
export function replaceInit(tree: RecordTree, init: InitrdRecord): RecordTree {
  if (init.path !== 'init') throw new ReferenceInitrdError(`the replacement must be /init, not /${init.path}`);
  if (!tree.has('init')) throw new ReferenceInitrdError('the real tree has no /init to replace');
  // records() is sorted with symlinked parents already resolved, so re-adding keeps every path.
  return new RecordTree().addAll([...tree.records().filter((record) => record.path !== 'init'), init]);
}

export async function referenceInitRecord(scriptPath = REFERENCE_INIT_SCRIPT): Promise<InitrdRecord> {
  return file('init', { data: await readFile(scriptPath) }, 0o755);
}

export interface ReferenceInitrdOptions {
  tree: RecordTree;
  /** The compressed reference initrd to write. */
  outPath: string;
  /** Where the uncompressed archive and the state of the last compression are kept. */
  workDir: string;
  compression: CompressionSettings;
  mtime: number;
}

export interface ReferenceInitrd {
  path: string;
  cpioBytes: number;
  compressedBytes: number;
  entries: number;
  /** The compressed file was already there for the same archive and settings. */
  reused: boolean;
}

export async function writeReferenceInitrd(options: ReferenceInitrdOptions): Promise<ReferenceInitrd> {
  const tree = replaceInit(options.tree, await referenceInitRecord());
  await mkdir(options.workDir, { recursive: true });
  await mkdir(dirname(options.outPath), { recursive: true });
  const cpioPath = join(options.workDir, 'reference-initrd.cpio');
  const statePath = join(options.workDir, 'reference-initrd.state.json');
  try {
    const cpioBytes = await writeNewcFile(tree.records(), cpioPath, { mtime: options.mtime });
    const wanted = {
      cpioSha: await sha256File(cpioPath),
      method: effectiveMethod(options.compression.method),
      level: options.compression.level,
      // The compressor's own settings (a zstd window, say) live in its code: a change
      // there must compress the reference again, as it does the real initrd.
      compressor: await sha256File(COMPRESSOR_SOURCE),
    };
    // Like the build: compressing ~200 MB at -19 takes minutes, so skip it when nothing changed.
    const previous = await readFile(statePath, 'utf8')
      .then((text) => JSON.parse(text) as { input: unknown; initrdSha: string })
      .catch(() => undefined);
    let reused = false;
    if (previous && existsSync(options.outPath) && JSON.stringify(previous.input) === JSON.stringify(wanted) && (await sha256File(options.outPath)) === previous.initrdSha) {
      reused = true;
    } else {
      const partial = `${options.outPath}.partial`;
      await compressFile(cpioPath, partial, options.compression);
      await rename(partial, options.outPath);
      await writeFile(statePath, JSON.stringify({ input: wanted, initrdSha: await sha256File(options.outPath) }));
    }
    return { path: options.outPath, cpioBytes, compressedBytes: (await stat(options.outPath)).size, entries: tree.size, reused };
  } catch (cause) {
    throw new ReferenceInitrdError(`cannot write the reference initrd ${options.outPath}`, { cause });
  }
}
