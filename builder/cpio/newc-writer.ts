// The one module that knows cpio-stream. It turns records into a newc ("070701")
// archive, the only cpio format the kernel's initramfs unpacker accepts.
import { readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform, type Writable } from 'node:stream';
import cpio, { type CpioHeader } from 'cpio-stream';
import type { InitrdRecord } from './records.ts';
import { OdError } from '../../contract/errors.ts';

/** A fixed modification time keeps archives byte-identical across builds. cpio-stream
 * replaces a zero mtime by "now", so the epoch used must be at least 1. */
export const DEFAULT_MTIME = 1;
const BLOCK = 512;

export interface NewcWriteOptions {
  mtime?: number;
}

export class ArchiveWriteError extends OdError {}

const CPIO_TYPES = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  charDev: 'character-device',
} as const;

/** Counts the bytes going through and pads the end to a whole 512-byte block, as cpio(1)
 * does (cpio-stream's own finalize() pads wrongly once past the first block). */
function blockPadding(): Transform & { length: () => number } {
  let length = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      length += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      const pad = (BLOCK - (length % BLOCK)) % BLOCK;
      length += pad;
      callback(null, pad > 0 ? Buffer.alloc(pad) : undefined);
    },
  });
  return Object.assign(stream, { length: () => length });
}

function headerOf(record: InitrdRecord, mtime: number): CpioHeader {
  const base: CpioHeader = { name: record.path, type: CPIO_TYPES[record.kind], uid: 0, gid: 0, mtime, devmajor: 0, devminor: 0 };
  switch (record.kind) {
    case 'dir':
      return { ...base, mode: record.mode, nlink: 2 };
    case 'symlink':
      // cpio-stream stores the link target as the entry's body, as newc wants.
      return { ...base, mode: 0o777, linkname: record.target };
    case 'charDev':
      return { ...base, mode: record.mode, rdevmajor: record.major, rdevminor: record.minor };
    case 'file':
      return { ...base, mode: record.mode };
  }
}

/** Writes the records, in the order given, as a newc archive to `out`; returns its length. */
export async function writeNewcArchive(records: Iterable<InitrdRecord>, out: Writable, options: NewcWriteOptions = {}): Promise<number> {
  const mtime = Math.max(1, options.mtime ?? DEFAULT_MTIME);
  const pack = cpio.pack({ format: 'newc' });
  const padding = blockPadding();
  const done = pipeline(pack, padding, out);

  const addEntry = (header: CpioHeader, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });

  try {
    for (const record of records) {
      try {
        const body = record.kind === 'file' ? ('data' in record.source ? record.source.data : await readFile(record.source.fromPath)) : Buffer.alloc(0);
        await addEntry(headerOf(record, mtime), body);
      } catch (cause) {
        throw new ArchiveWriteError(`cannot add /${record.path} to the archive`, { cause });
      }
    }
    // The trailer is written as an ordinary empty entry instead of through finalize().
    await addEntry({ name: 'TRAILER!!!', nlink: 1, mtime, mode: 0o644, uid: 0, gid: 0 }, Buffer.alloc(0));
    pack.push(null);
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
  return padding.length();
}

/** Writes the archive to a file; returns its length in bytes. */
export async function writeNewcFile(records: Iterable<InitrdRecord>, path: string, options: NewcWriteOptions = {}): Promise<number> {
  return writeNewcArchive(records, createWriteStream(path), options);
}
