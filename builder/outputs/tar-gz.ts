// A deterministic .tar.gz: entries sorted by name, owner root, fixed times and modes,
// and a gzip header without a timestamp (Node's zlib writes mtime 0), so the same
// files give the same bytes.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export type TarEntry =
  | { kind: 'dir'; name: string }
  | { kind: 'file'; name: string; fromPath: string; executable?: boolean }
  | { kind: 'data'; name: string; data: Buffer; executable?: boolean };

export class TarEntryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TarEntryError';
  }
}

/** The entries in archive order, each directory's parents added and before its contents. */
export function orderEntries(entries: TarEntry[]): TarEntry[] {
  const byName = new Map<string, TarEntry>();
  for (const entry of entries) {
    const name = entry.name.replace(/\/+$/, '');
    if (!name || name.startsWith('/') || name.split('/').includes('..')) {
      throw new TarEntryError(`not a relative path inside the archive: "${entry.name}"`);
    }
    if (byName.has(name)) throw new TarEntryError(`two entries named "${name}"`);
    byName.set(name, { ...entry, name });
  }
  for (const name of [...byName.keys()]) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byName.get(parent);
      if (existing && existing.kind !== 'dir') throw new TarEntryError(`"${parent}" is a file and the parent of "${name}"`);
      if (!existing) byName.set(parent, { kind: 'dir', name: parent });
    }
  }
  // Sorting whole paths puts "a" before "a/b" and keeps siblings in byte order.
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function writeTarGz(output: string, entries: TarEntry[], sourceDateEpoch: number): Promise<void> {
  const mtime = new Date(sourceDateEpoch * 1000);
  const pack = tar.pack();
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  const writing = pipeline(pack, createGzip({ level: 9 }), createWriteStream(output));
  try {
    for (const entry of orderEntries(entries)) {
      if (entry.kind === 'dir') {
        await new Promise<void>((done, fail) => pack.entry({ ...common, name: `${entry.name}/`, type: 'directory', mode: 0o755 }, (err) => (err ? fail(err) : done())));
        continue;
      }
      const mode = entry.executable ? 0o755 : 0o644;
      if (entry.kind === 'data') {
        await new Promise<void>((done, fail) => pack.entry({ ...common, name: entry.name, type: 'file', mode, size: entry.data.length }, entry.data, (err) => (err ? fail(err) : done())));
        continue;
      }
      const { size } = await stat(entry.fromPath);
      const sink = pack.entry({ ...common, name: entry.name, type: 'file', mode, size });
      await pipeline(createReadStream(entry.fromPath), sink);
    }
    pack.finalize();
  } catch (cause) {
    pack.destroy(cause as Error);
    await writing.catch(() => undefined);
    throw new TarEntryError(`cannot write ${output}`, { cause });
  }
  await writing;
}
