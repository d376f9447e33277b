// An initrd as the kernel reads it: newc archives ("segments") one after the other,
// each compressed or not, with zero bytes between them (init/initramfs.c skips NULs, and
// takes a stored archive only at an offset that is a multiple of 4). The build writes
// two: the compressed one with /init, the modules and the small base, then the system
// image stored as it is. This module lays them out and finds them again.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, copyFile, open, stat, type FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { OdError } from '../../contract/errors.ts';
import { writeNewcArchive } from './newc-writer.ts';
import type { FileRecord } from './records.ts';

export type SegmentCompression = 'zstd' | 'gzip' | 'none';

export interface InitrdSegment {
  /** Byte offset of the segment in the initrd (after the zero padding before it). */
  offset: number;
  /** Its length as stored (compressed bytes for a compressed one). */
  length: number;
  compression: SegmentCompression;
}

export class InitrdLayoutError extends OdError {}

const NEWC_HEADER = 110;
const TRAILER = 'TRAILER!!!';
const ZSTD_MAGIC = 0xfd2fb528;
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Zero bytes after a segment ending at `end`, so the next one starts where the kernel looks for a header. */
export function segmentPadding(end: number): number {
  return pad4(end);
}

/**
 * Zero bytes to put before a stored segment that would start at `offset` (a multiple of
 * 4), so that the data of its first entry, `name`, starts at a multiple of `alignment`.
 * The kernel copies that data into the root tmpfs page by page: page-aligned, each page
 * of the image comes from one page of the initrd.
 */
export function storedDataPadding(offset: number, name: string, alignment: number): number {
  if (offset % 4 !== 0) throw new InitrdLayoutError(`a stored segment must start at a multiple of 4, not ${offset}`);
  if (alignment % 4 !== 0) throw new InitrdLayoutError(`the alignment must be a multiple of 4, not ${alignment}`);
  const headerAndName = NEWC_HEADER + Buffer.byteLength(name) + 1;
  const dataAt = offset + headerAndName + pad4(headerAndName);
  return (alignment - (dataAt % alignment)) % alignment;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The length of the zstd frame at `offset`: its header, then block headers up to the last block, then the checksum. */
async function zstdFrameLength(handle: FileHandle, offset: number): Promise<number> {
  const head = await readAt(handle, offset, 18);
  if (head.length < 6) throw new InitrdLayoutError(`zstd frame cut short at byte ${offset}`);
  const descriptor = head[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const hasChecksum = (descriptor >> 2) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  let position = offset + 5 + (singleSegment ? 0 : 1) + dictIdBytes + contentSizeBytes;
  for (;;) {
    const block = await readAt(handle, position, 3);
    if (block.length < 3) throw new InitrdLayoutError(`zstd frame at byte ${offset} cut short at byte ${position}`);
    const header = block.readUIntLE(0, 3);
    const type = (header >> 1) & 3;
    const size = header >> 3;
    if (type === 3) throw new InitrdLayoutError(`zstd frame at byte ${offset}: reserved block type at byte ${position}`);
    position += 3 + (type === 1 ? 1 : size);
    if (header & 1) break;
  }
  return position + (hasChecksum ? 4 : 0) - offset;
}

/** The length of the stored newc archive at `offset`, through its trailer (and the zero padding after it). */
async function newcLength(handle: FileHandle, offset: number): Promise<number> {
  let position = offset;
  for (;;) {
    const header = (await readAt(handle, position, NEWC_HEADER)).toString('latin1');
    if (header.length < NEWC_HEADER || !header.startsWith('0707')) throw new InitrdLayoutError(`no newc header at byte ${position}`);
    const field = (index: number) => Number.parseInt(header.slice(6 + index * 8, 14 + index * 8), 16);
    const size = field(6);
    const nameSize = field(11);
    const name = (await readAt(handle, position + NEWC_HEADER, nameSize)).toString('latin1').replace(/\0+$/, '');
    position += NEWC_HEADER + nameSize + pad4(NEWC_HEADER + nameSize);
    position += size + pad4(size);
    if (name === TRAILER) return position - offset;
  }
}

/** The segments of an initrd file, in order, with where each starts and how it is compressed. */
export async function findSegments(path: string): Promise<InitrdSegment[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const segments: InitrdSegment[] = [];
    let position = 0;
    while (position < size) {
      const ahead = await readAt(handle, position, 4096);
      const zeros = ahead.findIndex((byte) => byte !== 0);
      if (zeros !== 0) {
        // Padding between segments and after the last one.
        position += zeros === -1 ? ahead.length : zeros;
        continue;
      }
      const head = ahead.subarray(0, 4);
      let compression: SegmentCompression;
      let length: number;
      if (head.toString('latin1').startsWith('0707')) {
        if (position % 4 !== 0) throw new InitrdLayoutError(`a stored segment at byte ${position}, not a multiple of 4: the kernel would not find it`);
        compression = 'none';
        length = await newcLength(handle, position);
      } else if (head.length === 4 && head.readUInt32LE(0) === ZSTD_MAGIC) {
        compression = 'zstd';
        length = await zstdFrameLength(handle, position);
      } else if (head[0] === 0x1f && head[1] === 0x8b) {
        compression = 'gzip';
        // gunzip stops at the end of the member and counts what it read.
        const rest = await readAt(handle, position, size - position);
        length = (gunzipSync(rest, { info: true }) as unknown as { engine: { bytesWritten: number } }).engine.bytesWritten;
      } else {
        throw new InitrdLayoutError(`neither a newc header nor a compressed archive at byte ${position} of ${path}`);
      }
      segments.push({ offset: position, length, compression });
      position += length;
    }
    return segments;
  } finally {
    await handle.close();
  }
}

/** The newc bytes of one segment, decompressed (zstd through the zstd program, gzip in-process). */
export function openSegment(path: string, segment: InitrdSegment): Readable {
  const raw = createReadStream(path, { start: segment.offset, end: segment.offset + segment.length - 1 });
  if (segment.compression === 'none') return raw;
  if (segment.compression === 'gzip') {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    raw.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    raw.on('error', (error) => out.destroy(error));
    raw.on('end', () => {
      try {
        out.end(gunzipSync(Buffer.concat(chunks)));
      } catch (error) {
        out.destroy(error as Error);
      }
    });
    return out;
  }
  const child = spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  raw.pipe(child.stdin);
  const out = new PassThrough();
  child.stdout.pipe(out, { end: false });
  child.once('error', (cause) => out.destroy(new InitrdLayoutError(`cannot run zstd -d on ${path}`, { cause })));
  child.once('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new InitrdLayoutError(`zstd -d of the segment at byte ${segment.offset} of ${path} failed (exit ${code}): ${stderr.trim()}`));
  });
  return out;
}

export interface SegmentedInitrd {
  /** The already compressed first segment, and how it is compressed. */
  compressed: string;
  compression: Exclude<SegmentCompression, 'none'>;
  /** The one entry of the stored segment (the system image). */
  stored: FileRecord;
  /** Where its data should start in the initrd (a multiple of 4; the page size). */
  alignment: number;
  mtime: number;
}

export interface WrittenInitrd {
  bytes: number;
  segments: InitrdSegment[];
}

/** Writes the compressed segment, zero padding, then the stored segment with its entry's data aligned. */
export async function writeSegmentedInitrd(out: string, initrd: SegmentedInitrd): Promise<WrittenInitrd> {
  try {
    await copyFile(initrd.compressed, out);
    const compressedBytes = (await stat(out)).size;
    const storedAt = compressedBytes + segmentPadding(compressedBytes);
    const padding = storedAt - compressedBytes + storedDataPadding(storedAt, initrd.stored.path, initrd.alignment);
    await appendFile(out, Buffer.alloc(padding));
    await writeNewcArchive([initrd.stored], createWriteStream(out, { flags: 'a' }), { mtime: initrd.mtime });
    // Read back, as the kernel will walk it.
    return { bytes: (await stat(out)).size, segments: await findSegments(out) };
  } catch (cause) {
    throw new InitrdLayoutError(`cannot write the initrd ${out}`, { cause });
  }
}
