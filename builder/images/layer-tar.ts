// Writes one image layer as an uncompressed tar, deterministically (builder/tar): the
// entries in the order given (completeLayerTree sorts them). Its sha256 is the layer's
// DiffID, so it is hashed while it is written rather than read back.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { writeTar, type TarMember } from '../tar/write-tar.ts';
import type { LayerEntry } from './layer-entry.ts';
import { OdError } from '../../contract/errors.ts';

export class LayerTarError extends OdError {}

export interface WrittenLayer {
  /** `sha256:<hex>` of the uncompressed tar: what the image config lists in rootfs.diff_ids. */
  diffId: string;
  /** Size of the tar in bytes. */
  size: number;
  path: string;
}

/** Layer tars name entries relative to the root ("bin/sh"), as Docker's own archive code does. */
function layerMember(entry: LayerEntry): TarMember {
  const name = entry.path.slice(1);
  switch (entry.type) {
    case 'directory':
      return { type: 'directory', name, mode: entry.mode };
    case 'symlink':
      return { type: 'symlink', name, target: entry.target };
    case 'file':
      return 'bytes' in entry.content
        ? { type: 'file', name, mode: entry.mode, bytes: entry.content.bytes }
        : { type: 'file', name, mode: entry.mode, sourcePath: entry.content.sourcePath };
  }
}

/**
 * Writes `entries` (already complete and ordered) as a tar at `outPath`.
 * @param mtime the one modification time every entry gets
 */
export async function writeLayerTar(entries: readonly LayerEntry[], outPath: string, mtime: Date): Promise<WrittenLayer> {
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await writeTar(outPath, entries.map(layerMember), mtime, [measure]);
  } catch (cause) {
    throw new LayerTarError(`cannot write layer ${outPath}: ${(cause as Error).message}`, { cause });
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size, path: outPath };
}
