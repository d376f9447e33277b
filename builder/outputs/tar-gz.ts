// A deterministic .tar.gz: entries sorted by name, written by the one tar writer
// (builder/tar: owner root, one fixed time), fixed modes, and a gzip header without a
// timestamp (Node's zlib writes mtime 0), so the same files give the same bytes.
import { createGzip } from 'node:zlib';
import { writeTar, type TarMember } from '../tar/write-tar.ts';
import { OdError } from '../../contract/errors.ts';

export type TarEntry =
  | { kind: 'dir'; name: string }
  | { kind: 'file'; name: string; fromPath: string; executable?: boolean }
  | { kind: 'data'; name: string; data: Buffer; executable?: boolean };

export class TarEntryError extends OdError {}

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
  const members = orderEntries(entries).map((entry): TarMember => {
    if (entry.kind === 'dir') return { type: 'directory', name: entry.name, mode: 0o755 };
    const mode = entry.executable ? 0o755 : 0o644;
    return entry.kind === 'data' ? { type: 'file', name: entry.name, mode, bytes: entry.data } : { type: 'file', name: entry.name, mode, sourcePath: entry.fromPath };
  });
  try {
    await writeTar(output, members, new Date(sourceDateEpoch * 1000), [createGzip({ level: 9 })]);
  } catch (cause) {
    throw new TarEntryError(`cannot write ${output}`, { cause });
  }
}
