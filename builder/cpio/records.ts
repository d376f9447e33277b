// Initrd entries as plain records, independent of the archive writer (the model is
// u-root's cpio.Record): the builder decides *what* goes in, the writer only encodes.
import { OdError } from '../../contract/errors.ts';

/** Where a file record's bytes come from: a file on the build host, or bytes in memory. */
export type FileSource = { fromPath: string } | { data: Buffer };

export interface FileRecord {
  kind: 'file';
  path: string;
  mode: number;
  source: FileSource;
}

export interface DirRecord {
  kind: 'dir';
  path: string;
  mode: number;
}

export interface SymlinkRecord {
  kind: 'symlink';
  path: string;
  target: string;
}

export interface CharDevRecord {
  kind: 'charDev';
  path: string;
  mode: number;
  major: number;
  minor: number;
}

export type InitrdRecord = FileRecord | DirRecord | SymlinkRecord | CharDevRecord;

export class InvalidRecordError extends OdError {}

/**
 * Archive paths are relative ("usr/bin/dockerd"), without "." or ".." parts, and ASCII:
 * the newc header stores the name length in bytes and cpio-stream counts characters.
 */
export function normalizeArchivePath(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) throw new InvalidRecordError(`empty archive path: "${path}"`);
  if (parts.includes('..')) throw new InvalidRecordError(`archive path escapes the root: "${path}"`);
  const normalized = parts.join('/');
  if (!/^[\x21-\x7e]+$/.test(normalized)) {
    throw new InvalidRecordError(`archive path must be printable ASCII without spaces: "${path}"`);
  }
  return normalized;
}

export const file = (path: string, source: FileSource, mode = 0o644): FileRecord => ({
  kind: 'file',
  path: normalizeArchivePath(path),
  mode,
  source,
});

export const dir = (path: string, mode = 0o755): DirRecord => ({
  kind: 'dir',
  path: normalizeArchivePath(path),
  mode,
});

export const symlink = (path: string, target: string): SymlinkRecord => ({
  kind: 'symlink',
  path: normalizeArchivePath(path),
  target,
});

export const charDev = (path: string, major: number, minor: number, mode = 0o600): CharDevRecord => ({
  kind: 'charDev',
  path: normalizeArchivePath(path),
  mode,
  major,
  minor,
});

/** Two records describe the same entry (so adding the second is harmless, not a conflict). */
export function sameRecord(a: InitrdRecord, b: InitrdRecord): boolean {
  if (a.kind !== b.kind || a.path !== b.path) return false;
  switch (a.kind) {
    case 'dir':
      return a.mode === (b as DirRecord).mode;
    case 'symlink':
      return a.target === (b as SymlinkRecord).target;
    case 'charDev': {
      const other = b as CharDevRecord;
      return a.mode === other.mode && a.major === other.major && a.minor === other.minor;
    }
    case 'file': {
      const other = b as FileRecord;
      if (a.mode !== other.mode) return false;
      if ('fromPath' in a.source && 'fromPath' in other.source) return a.source.fromPath === other.source.fromPath;
      if ('data' in a.source && 'data' in other.source) return a.source.data.equals(other.source.data);
      return false;
    }
  }
}
