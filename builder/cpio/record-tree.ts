import { posix } from 'node:path';
import { dir, normalizeArchivePath, sameRecord, type InitrdRecord } from './records.ts';
import { OdError } from '../../contract/errors.ts';

export class DuplicateEntryError extends OdError {
  constructor(
    readonly path: string,
    readonly existing: InitrdRecord,
    readonly added: InitrdRecord,
  ) {
    super(`two different entries for /${path}: ${describe(existing)} and ${describe(added)}`);
  }
}

function describe(record: InitrdRecord): string {
  switch (record.kind) {
    case 'file':
      return 'fromPath' in record.source ? `file from ${record.source.fromPath}` : `file (${record.source.data.length} bytes)`;
    case 'symlink':
      return `symlink to ${record.target}`;
    case 'dir':
      return `directory mode ${record.mode.toString(8)}`;
    case 'charDev':
      return `char device ${record.major},${record.minor}`;
  }
}

/**
 * The set of entries of an initrd: every parent directory is present, one entry per
 * path (a second, different entry is refused), and the order is stable (sorted by path,
 * which puts each directory before its contents) so the same inputs give the same bytes.
 *
 * An entry added below a directory symlink already in the tree (Debian's merged /usr:
 * lib -> usr/lib, bin -> usr/bin) lands at the symlink's target, as it would on disk.
 */
export class RecordTree {
  private readonly entries = new Map<string, InitrdRecord>();

  add(record: InitrdRecord): this {
    const path = this.resolveParents(record.path);
    const placed = { ...record, path } as InitrdRecord;
    this.ensureParents(path);
    const existing = this.entries.get(path);
    if (existing && !sameRecord(existing, placed)) {
      // A directory filled in as a parent may later be declared explicitly with its own mode.
      if (existing.kind === 'dir' && placed.kind === 'dir' && this.implicitDirs.has(path)) {
        this.implicitDirs.delete(path);
        this.entries.set(path, placed);
        return this;
      }
      throw new DuplicateEntryError(path, existing, placed);
    }
    if (placed.kind === 'dir') this.implicitDirs.delete(path);
    this.entries.set(path, placed);
    return this;
  }

  addAll(records: Iterable<InitrdRecord>): this {
    for (const record of records) this.add(record);
    return this;
  }

  has(path: string): boolean {
    return this.entries.has(this.resolveParents(normalizeArchivePath(path)));
  }

  get(path: string): InitrdRecord | undefined {
    return this.entries.get(this.resolveParents(normalizeArchivePath(path)));
  }

  get size(): number {
    return this.entries.size;
  }

  /** All entries, sorted by path (byte order), parents before children. */
  records(): InitrdRecord[] {
    return [...this.entries.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((path) => this.entries.get(path)!);
  }

  private readonly implicitDirs = new Set<string>();

  private ensureParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = this.entries.get(parent);
      if (existing === undefined) {
        this.entries.set(parent, dir(parent));
        this.implicitDirs.add(parent);
      } else if (existing.kind !== 'dir') {
        throw new DuplicateEntryError(parent, existing, dir(parent));
      }
    }
  }

  /** Rewrites a path whose parent directories go through symlinks of the tree. */
  private resolveParents(path: string): string {
    let parts = path.split('/');
    for (let hops = 0; hops < 40; hops++) {
      let rewritten = false;
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        const entry = this.entries.get(prefix);
        if (entry?.kind !== 'symlink') continue;
        const base = entry.target.startsWith('/') ? entry.target : posix.join(posix.dirname('/' + prefix), entry.target);
        const target = normalizeArchivePath(posix.normalize(base));
        parts = [...target.split('/'), ...parts.slice(i)];
        rewritten = true;
        break;
      }
      if (!rewritten) return parts.join('/');
    }
    throw new Error(`too many levels of symlinks resolving /${path}`);
  }
}
