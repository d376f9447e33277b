import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hasErrorCode } from './syscall-error.ts';
import { S_IFBLK, S_IFCHR, type DeviceNumber, type Sys } from './sys.ts';
import { OdError } from '../../contract/errors.ts';

// The filesystem the init makes before anything else runs, declared as data (u-root's
// libinit "Creator" model): a table of Dir, Mount, Symlink and Dev entries applied in
// order. Every entry is idempotent, so an already-mounted filesystem or an existing
// link is fine and the table can be re-applied.

export interface DirEntry {
  kind: 'dir';
  path: string;
  mode: number;
}

export interface MountEntry {
  kind: 'mount';
  source: string;
  target: string;
  fstype: string;
  flags: number;
  data: string;
  /**
   * Tried in order when the kernel refuses `data` with EINVAL: options that older
   * kernels or other configurations do not know (cgroup2's nsdelegate).
   */
  fallbackData?: string[];
  /** A failed optional mount is reported and the table goes on. */
  optional?: boolean;
}

export interface SymlinkEntry {
  kind: 'symlink';
  path: string;
  target: string;
}

export interface DevEntry {
  kind: 'dev';
  path: string;
  type: 'char' | 'block';
  mode: number;
  device: DeviceNumber;
}

export type CreatorEntry = DirEntry | MountEntry | SymlinkEntry | DevEntry;

export class CreatorError extends OdError {
  readonly entry: CreatorEntry;

  constructor(entry: CreatorEntry, options: { cause: unknown }) {
    super(`${describeEntry(entry)}: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.entry = entry;
  }
}

export function describeEntry(entry: CreatorEntry): string {
  switch (entry.kind) {
    case 'dir':
      return `mkdir ${entry.path}`;
    case 'mount':
      return `mount ${entry.fstype} on ${entry.target}`;
    case 'symlink':
      return `link ${entry.path} -> ${entry.target}`;
    case 'dev':
      return `mknod ${entry.path} ${entry.type === 'char' ? 'c' : 'b'} ${entry.device.major} ${entry.device.minor}`;
  }
}

export type EntryResult = 'created' | 'exists' | 'mounted' | 'already-mounted';

export interface CreatorOptions {
  sys: Sys;
  /** Prefix for every path: `/` on a real boot, a temporary directory in tests. */
  root?: string;
  /** Called when a mount fell back to other options or an optional entry failed. */
  warn?: (message: string) => void;
}

/**
 * A path is a mount point when it sits on another device than its parent. stat works
 * before /proc exists, which /proc/self/mountinfo would not.
 */
export function isMountPoint(path: string): boolean {
  try {
    const self = statSync(path);
    const parent = statSync(join(path, '..'));
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch {
    return false;
  }
}

export function applyEntry(entry: CreatorEntry, options: CreatorOptions): EntryResult {
  const root = options.root ?? '/';
  const at = (path: string) => join(root, path);
  switch (entry.kind) {
    case 'dir': {
      const path = at(entry.path);
      try {
        if (statSync(path).isDirectory()) return 'exists';
      } catch {
        // missing: create it below
      }
      mkdirSync(path, { recursive: true, mode: entry.mode });
      // mkdir's mode is filtered by the umask; the table's mode is the one meant.
      chmodSync(path, entry.mode);
      return 'created';
    }
    case 'mount': {
      const target = at(entry.target);
      if (isMountPoint(target)) return 'already-mounted';
      const attempts = [entry.data, ...(entry.fallbackData ?? [])];
      for (const [index, data] of attempts.entries()) {
        try {
          options.sys.mount(entry.source, target, entry.fstype, entry.flags, data === '' ? null : data);
          if (index > 0) options.warn?.(`${describeEntry(entry)}: kernel refused "${entry.data}", mounted with "${data}"`);
          return 'mounted';
        } catch (error) {
          if (hasErrorCode(error, 'EBUSY') && isMountPoint(target)) return 'already-mounted';
          if (!hasErrorCode(error, 'EINVAL') || index === attempts.length - 1) throw error;
        }
      }
      throw new Error('unreachable');
    }
    case 'symlink': {
      const path = at(entry.path);
      try {
        lstatSync(path);
        return 'exists';
      } catch {
        // missing: create it below
      }
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync(entry.target, path);
      return 'created';
    }
    case 'dev': {
      const path = at(entry.path);
      try {
        lstatSync(path);
        return 'exists';
      } catch {
        // missing: create it below
      }
      const type = entry.type === 'char' ? S_IFCHR : S_IFBLK;
      try {
        options.sys.mknod(path, type | entry.mode, entry.device);
      } catch (error) {
        if (hasErrorCode(error, 'EEXIST')) return 'exists';
        throw error;
      }
      return 'created';
    }
  }
}

export interface TableReport {
  results: Array<{ entry: CreatorEntry; result: EntryResult | 'failed' }>;
}

/**
 * Applies the entries in order. A failed required entry throws a CreatorError; a
 * failed optional one is reported through `warn` and the table goes on.
 */
export function applyTable(entries: readonly CreatorEntry[], options: CreatorOptions): TableReport {
  const results: TableReport['results'] = [];
  for (const entry of entries) {
    try {
      results.push({ entry, result: applyEntry(entry, options) });
    } catch (cause) {
      const error = new CreatorError(entry, { cause });
      if (entry.kind === 'mount' && entry.optional) {
        options.warn?.(`${error.message} (optional, going on)`);
        results.push({ entry, result: 'failed' });
        continue;
      }
      throw error;
    }
  }
  return { results };
}

