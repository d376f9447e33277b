// Disk images for the storage tests, made with the host's e2fsprogs in a temporary
// directory (real superblocks, not hand-written ones).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

export function tempDir(t: { after(fn: () => void): void }, prefix = 'od-storage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sparse file of zeros: a new, blank virtual disk. */
export function blankImage(path: string, sizeBytes = 128 * MiB): string {
  execFileSync('truncate', ['-s', String(sizeBytes), path]);
  return path;
}

/** mke2fs on an image file; `args` as for mke2fs (-t ext4 -L DOCKER...). */
export function extImage(path: string, args: string[], sizeBytes = 128 * MiB): string {
  blankImage(path, sizeBytes);
  execFileSync('/usr/sbin/mke2fs', ['-q', '-F', ...args, path], { stdio: 'ignore' });
  return path;
}

/** Writes bytes at an offset of an image (a partition table, a stray byte). */
export function writeAt(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** A DOS partition table with one Linux partition from 1 MiB to the end, as fdisk makes it. */
export function mbrImage(path: string, sizeBytes = 128 * MiB): string {
  blankImage(path, sizeBytes);
  const sector = Buffer.alloc(512);
  const entry = 446;
  sector[entry + 4] = 0x83; // Linux
  sector.writeUInt32LE(2048, entry + 8); // first LBA
  sector.writeUInt32LE(sizeBytes / 512 - 2048, entry + 12);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  writeAt(path, 0, sector);
  return path;
}
