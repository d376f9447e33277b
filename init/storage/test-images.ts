// Disk images for the storage tests, made with the host's e2fsprogs, mtools and xorriso
// (host tools the build needs anyway) in a temporary directory: real superblocks and
// boot sectors, not hand-written ones.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';

export const MiB = 1024 * 1024;

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

/** Files to put on an image: name → content. */
export type ImageFiles = Readonly<Record<string, string>>;

/** A FAT filesystem made by mformat (`fat32`: -F) labelled `label`, holding `files`. */
export function fatImage(path: string, label: string, options: { fat32?: boolean; sizeBytes?: number; files?: ImageFiles } = {}): string {
  blankImage(path, options.sizeBytes ?? (options.fat32 ? 64 : 4) * MiB);
  execFileSync('mformat', ['-i', path, ...(options.fat32 ? ['-F'] : []), ...(label ? ['-v', label] : []), '::'], { stdio: 'ignore' });
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const source = `${path}.${name}`;
    writeFileSync(source, content);
    execFileSync('mcopy', ['-i', path, source, `::${name}`], { stdio: 'ignore' });
  }
  return path;
}

/** An ISO 9660 image (Joliet and Rock Ridge, as config drives are made) with this volume id, holding `files`. */
export function isoImage(path: string, volumeId: string, files: ImageFiles = {}): string {
  const grafts = Object.entries(files).map(([name, content]) => {
    const source = `${path}.${name}`;
    writeFileSync(source, content);
    return `${name}=${source}`;
  });
  execFileSync('xorriso', ['-as', 'mkisofs', '-V', volumeId, '-J', '-r', '-o', path, '-graft-points', ...grafts], { stdio: 'ignore' });
  return path;
}
