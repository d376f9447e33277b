// The reference initrd: the real build's assembled records with only /init replaced by
// the shell script beside this file, written and compressed the way the build does it,
// in the same layout (with the same system image in its second segment, if it has one).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordTree } from '../builder/cpio/record-tree.ts';
import { file, type InitrdRecord } from '../builder/cpio/records.ts';
import type { CompressionSettings } from '../builder/cpio/compress.ts';
import { writeInitrd } from '../builder/initrd/write-initrd.ts';
import { OdError } from '../contract/errors.ts';

export const REFERENCE_INIT_SCRIPT = join(import.meta.dirname, 'reference-init.sh');

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
  /** The real initrd's compressed segment. */
  tree: RecordTree;
  /** The real initrd's system image, if its layout has one: the reference stores the same file in its second segment. */
  systemImage?: { path: string; sha256: string };
  /** The reference initrd to write. */
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
  /** The file was already there for the same archive and settings. */
  reused: boolean;
}

/** The same layout as the real initrd (builder/initrd/write-initrd.ts): only /init differs. */
export async function writeReferenceInitrd(options: ReferenceInitrdOptions): Promise<ReferenceInitrd> {
  const tree = replaceInit(options.tree, await referenceInitRecord());
  try {
    const written = await writeInitrd({
      records: tree.records(),
      systemImage: options.systemImage,
      outPath: options.outPath,
      workDir: options.workDir,
      name: 'reference-initrd',
      compression: options.compression,
      mtime: options.mtime,
    });
    return { path: written.path, cpioBytes: written.cpioBytes, compressedBytes: written.bytes, entries: tree.size, reused: written.reused };
  } catch (cause) {
    throw new ReferenceInitrdError(`cannot write the reference initrd ${options.outPath}`, { cause });
  }
}
