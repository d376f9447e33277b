// Writes one image layer as an uncompressed tar, deterministically: the entries in the
// order given (completeLayerTree sorts them), uid/gid 0, one fixed mtime, no host
// user names or times leaking in. Its sha256 is the layer's DiffID, so it is hashed
// while it is written rather than read back.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Header, Pack } from 'tar-stream';

type Headers = Partial<Header> & { name: string };
import type { LayerEntry } from './layer-entry.ts';

export class LayerTarError extends Error {
  override name = 'LayerTarError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface WrittenLayer {
  /** `sha256:<hex>` of the uncompressed tar: what the image config lists in rootfs.diff_ids. */
  diffId: string;
  /** Size of the tar in bytes. */
  size: number;
  path: string;
}

function baseHeader(entry: LayerEntry, mtime: Date): Headers {
  // Layer tars name entries relative to the root ("bin/sh"), directories with a slash,
  // as Docker's own archive code does.
  const name = entry.path.slice(1) + (entry.type === 'directory' ? '/' : '');
  return { name, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
}

/** Adds one entry and resolves once tar-stream has taken all of it. */
function addEntry(pack: Pack, entry: LayerEntry, mtime: Date): Promise<void> {
  const header = baseHeader(entry, mtime);
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    switch (entry.type) {
      case 'directory':
        pack.entry({ ...header, type: 'directory', mode: entry.mode }, done);
        return;
      case 'symlink':
        pack.entry({ ...header, type: 'symlink', mode: 0o777, linkname: entry.target }, done);
        return;
      case 'file': {
        const { content } = entry;
        if ('bytes' in content) {
          pack.entry({ ...header, type: 'file', mode: entry.mode, size: content.bytes.byteLength }, Buffer.from(content.bytes), done);
          return;
        }
        // Large files (the docker CLI is ~45 MB) are streamed, not read into memory.
        stat(content.sourcePath)
          .then((info) => {
            if (!info.isFile()) throw new LayerTarError(`${content.sourcePath} (for ${entry.path}) is not a regular file`);
            const sink = pack.entry({ ...header, type: 'file', mode: entry.mode, size: info.size }, done);
            return pipeline(createReadStream(content.sourcePath), sink);
          })
          .catch(reject);
        return;
      }
    }
  });
}

/**
 * Writes `entries` (already complete and ordered) as a tar at `outPath`.
 * @param mtime the one modification time every entry gets
 */
export async function writeLayerTar(entries: readonly LayerEntry[], outPath: string, mtime: Date): Promise<WrittenLayer> {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const written = pipeline(pack, measure, createWriteStream(outPath));
  try {
    for (const entry of entries) {
      try {
        await addEntry(pack, entry, mtime);
      } catch (cause) {
        throw new LayerTarError(`cannot add ${entry.path} to layer ${outPath}: ${(cause as Error).message}`, { cause });
      }
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    throw error;
  }
  try {
    await written;
  } catch (cause) {
    throw new LayerTarError(`cannot write layer ${outPath}`, { cause });
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size, path: outPath };
}
