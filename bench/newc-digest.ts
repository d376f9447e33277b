// Lists a newc archive as entries with the sha256 of each body, reading it as a stream:
// an initrd is ~300 MB uncompressed and only the digests are kept. This reads the
// archive bytes the kernel will unpack, independent of the writer that made them.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { findSegments, openSegment } from '../builder/cpio/initrd-segments.ts';
import { OdError } from '../contract/errors.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'charDev' | 'blockDev' | 'fifo' | 'socket' | 'other';

export interface EntryDigest {
  name: string;
  type: EntryType;
  /** Permission bits (and setuid/sticky), without the type bits. */
  perm: number;
  size: number;
  /** Of the body: a file's bytes, a symlink's target; empty for the rest. */
  sha256: string;
  /** "major,minor" of a device. */
  rdev?: string;
}

export class NewcFormatError extends OdError {}

const HEADER = 110;
const TRAILER = 'TRAILER!!!';

function typeOf(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'charDev';
    case 0o060000:
      return 'blockDev';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return 'other';
  }
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Digests every entry of a newc stream (concatenated segments too), trailers left out. */
export async function digestNewcStream(stream: Readable): Promise<EntryDigest[]> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  let position = 0;

  const fill = async (n: number): Promise<boolean> => {
    while (pending.length < n && !ended) {
      const next = await iterator.next();
      if (next.done) ended = true;
      else pending = pending.length === 0 ? next.value : Buffer.concat([pending, next.value]);
    }
    return pending.length >= n;
  };
  const take = async (n: number): Promise<Buffer> => {
    if (!(await fill(n))) throw new NewcFormatError(`archive cut short at byte ${position + pending.length} (needed ${n} more bytes)`);
    const bytes = pending.subarray(0, n);
    pending = pending.subarray(n);
    position += n;
    return bytes;
  };
  /** Feeds `n` bytes to the hash without holding them all. */
  const hashBody = async (n: number, hash: ReturnType<typeof createHash>): Promise<void> => {
    let left = n;
    while (left > 0) {
      if (pending.length === 0 && !(await fill(1))) throw new NewcFormatError(`archive cut short in a body at byte ${position}`);
      const part = pending.subarray(0, Math.min(left, pending.length));
      hash.update(part);
      pending = pending.subarray(part.length);
      position += part.length;
      left -= part.length;
    }
  };

  const entries: EntryDigest[] = [];
  for (;;) {
    if (!(await fill(4))) break;
    // Between concatenated segments (and after the last trailer) there is zero padding.
    if (pending.readUInt32BE(0) === 0) {
      await take(4);
      continue;
    }
    const header = (await take(HEADER)).toString('latin1');
    const magic = header.slice(0, 6);
    if (magic !== '070701' && magic !== '070702') throw new NewcFormatError(`no newc header at byte ${position - HEADER} (magic "${magic}")`);
    const field = (index: number) => Number.parseInt(header.slice(6 + index * 8, 14 + index * 8), 16);
    const mode = field(1);
    const size = field(6);
    const rdev = `${field(9)},${field(10)}`;
    const nameSize = field(11);
    const name = (await take(nameSize)).toString('utf8').replace(/\0+$/, '');
    await take(pad4(HEADER + nameSize));
    const hash = createHash('sha256');
    await hashBody(size, hash);
    await take(pad4(size));
    if (name === TRAILER) continue;
    const type = typeOf(mode);
    entries.push({
      name,
      type,
      perm: mode & 0o7777,
      size,
      sha256: hash.digest('hex'),
      ...(type === 'charDev' || type === 'blockDev' ? { rdev } : {}),
    });
  }
  return entries;
}

/** Digests every segment of an initrd file (the compressed one and the stored system image), in order. */
export async function digestInitrd(path: string): Promise<EntryDigest[]> {
  const entries: EntryDigest[] = [];
  for (const segment of await findSegments(path)) {
    try {
      entries.push(...(await digestNewcStream(openSegment(path, segment))));
    } catch (cause) {
      if (cause instanceof NewcFormatError) throw cause;
      throw new NewcFormatError(`cannot read the ${segment.compression} segment at byte ${segment.offset} of ${path}`, { cause });
    }
  }
  return entries;
}
