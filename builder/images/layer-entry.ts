// The records a layer tar is written from: plain data, independent of the tar writer,
// so the root filesystem can be planned, checked and tested without writing anything.
import { posix } from 'node:path';
import { OdError } from '../../contract/errors.ts';

/** Where a file's bytes come from: a file on the build host, or literal bytes. */
export type FileContent = { sourcePath: string } | { bytes: Uint8Array };

export type LayerEntry =
  | { type: 'directory'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; content: FileContent }
  | { type: 'symlink'; path: string; target: string };

export class LayerTreeError extends OdError {}

/** The mode given to directories nobody declared (parents of declared entries). */
export const IMPLICIT_DIRECTORY_MODE = 0o755;

/** `/a/b/` and `a//b` → `/a/b`; refuses `..` so nothing can escape the image root. */
export function normaliseImagePath(path: string): string {
  if (!path.startsWith('/')) throw new LayerTreeError(`image path "${path}" is not absolute`);
  if (path.split('/').includes('..')) throw new LayerTreeError(`image path "${path}" contains ".."`);
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '') throw new LayerTreeError('the image root "/" cannot be an entry');
  return normal;
}

function parentsOf(path: string): string[] {
  const parents: string[] = [];
  for (let p = posix.dirname(path); p !== '/'; p = posix.dirname(p)) parents.push(p);
  return parents;
}

/** Byte order, not locale order: the same on every build host. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Completes and orders the entries of one layer: paths normalised, every parent
 * directory present (declared ones keep their mode, others get 0755), sorted
 * bytewise so a parent always precedes its children. The same path twice is an error
 * unless both are directories (the first declared mode wins) — the caller resolves
 * intended overrides before calling this, so a duplicate here is a mistake.
 * A path under a symlink or a file is refused too: it could not be extracted.
 */
export function completeLayerTree(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const path = normaliseImagePath(entry.path);
    const existing = byPath.get(path);
    if (existing) {
      if (existing.type === 'directory' && entry.type === 'directory') continue;
      throw new LayerTreeError(`"${path}" is declared twice (${existing.type} and ${entry.type})`);
    }
    byPath.set(path, { ...entry, path });
  }
  for (const path of [...byPath.keys()]) {
    for (const parent of parentsOf(path)) {
      const existing = byPath.get(parent);
      if (!existing) byPath.set(parent, { type: 'directory', path: parent, mode: IMPLICIT_DIRECTORY_MODE });
      else if (existing.type !== 'directory') {
        throw new LayerTreeError(`"${path}" needs "${parent}" to be a directory, but it is a ${existing.type}`);
      }
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}
