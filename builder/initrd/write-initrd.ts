// Writes an initrd file in either layout (config initrd.layout): the records as one
// compressed newc archive, and, for the system-image layout, the image stored as it is
// in a second segment after it (initrd-segments.ts). Without an image the file is that
// one compressed archive alone. The build and the benchmark's reference initrd both
// write theirs here, so both have the same layout.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InitrdRecord } from '../cpio/records.ts';
import { file } from '../cpio/records.ts';
import { writeNewcFile } from '../cpio/newc-writer.ts';
import { compressFile, effectiveMethod, type CompressionSettings } from '../cpio/compress.ts';
import { writeSegmentedInitrd, type InitrdSegment } from '../cpio/initrd-segments.ts';
import { sha256File } from '../sources/file-hash.ts';
import { initrdRecordPath, SYSTEM_IMAGE_PATH } from '../../contract/initrd-layout.ts';

const COMPRESSOR_SOURCE = join(import.meta.dirname, '../cpio/compress.ts');
/** Where the system image's data starts in the initrd: a page boundary (initrd-segments.ts). */
export const SYSTEM_IMAGE_ALIGNMENT = 4096;

export interface WriteInitrdOptions {
  /** The compressed segment's records, in order (every record, in the unpacked layout). */
  records: readonly InitrdRecord[];
  /** The system image to store as a second segment; none in the unpacked layout. */
  systemImage?: { path: string; sha256: string };
  outPath: string;
  /** Where the uncompressed archive, the compressed segment and the state of the last write are kept. */
  workDir: string;
  /** Prefix of those work files ("initrd", "reference-initrd"). */
  name: string;
  compression: CompressionSettings;
  mtime: number;
  /** Told what takes long (the compression). */
  onProgress?: (message: string) => void;
}

export interface WrittenInitrd {
  path: string;
  /** The compressed segment's archive, uncompressed: what the kernel unpacks into the root tmpfs (besides the image, when there is one). */
  cpioBytes: number;
  bytes: number;
  sha256: string;
  segments: InitrdSegment[];
  /** The file was already there for the same records, image and settings. */
  reused: boolean;
}

export async function writeInitrd(options: WriteInitrdOptions): Promise<WrittenInitrd> {
  await mkdir(options.workDir, { recursive: true });
  await mkdir(dirname(options.outPath), { recursive: true });
  const cpioPath = join(options.workDir, `${options.name}.cpio`);
  const statePath = join(options.workDir, `${options.name}.state.json`);
  const cpioBytes = await writeNewcFile(options.records, cpioPath, { mtime: options.mtime });
  const method = effectiveMethod(options.compression.method);
  const wanted = {
    cpioSha: await sha256File(cpioPath),
    imageSha: options.systemImage?.sha256 ?? null,
    method,
    level: options.compression.level,
    // The compressor's own settings (a zstd window, say) live in its code: a change
    // there must compress again.
    compressor: await sha256File(COMPRESSOR_SOURCE),
    alignment: SYSTEM_IMAGE_ALIGNMENT,
  };
  // Compression is the slow part of a warm build: skip it when nothing changed, and leave
  // the file untouched (a warm build is one that did not rewrite it).
  const previous = await readFile(statePath, 'utf8')
    .then((text) => JSON.parse(text) as { input: unknown; initrdSha: string; bytes: number; segments: InitrdSegment[] })
    .catch(() => undefined);
  if (previous && existsSync(options.outPath) && JSON.stringify(previous.input) === JSON.stringify(wanted) && (await sha256File(options.outPath)) === previous.initrdSha) {
    return { path: options.outPath, cpioBytes, bytes: previous.bytes, sha256: previous.initrdSha, segments: previous.segments, reused: true };
  }
  options.onProgress?.(`compressing ${(cpioBytes / 1e6).toFixed(0)} MB with ${method} -${options.compression.level}`);
  const partial = `${options.outPath}.partial`;
  let written: { bytes: number; segments: InitrdSegment[] };
  if (options.systemImage) {
    const compressed = `${cpioPath}.${method === 'zstd' ? 'zst' : 'gz'}`;
    await compressFile(cpioPath, compressed, options.compression);
    written = await writeSegmentedInitrd(partial, {
      compressed,
      compression: method,
      stored: file(initrdRecordPath(SYSTEM_IMAGE_PATH), { fromPath: options.systemImage.path }, 0o444),
      alignment: SYSTEM_IMAGE_ALIGNMENT,
      mtime: options.mtime,
    });
  } else {
    // The unpacked layout: the compressed archive is the whole initrd.
    await compressFile(cpioPath, partial, options.compression);
    const bytes = (await stat(partial)).size;
    written = { bytes, segments: [{ offset: 0, length: bytes, compression: method }] };
  }
  await rename(partial, options.outPath);
  const sha256 = await sha256File(options.outPath);
  await writeFile(statePath, JSON.stringify({ input: wanted, initrdSha: sha256, bytes: written.bytes, segments: written.segments }));
  return { path: options.outPath, cpioBytes, bytes: written.bytes, sha256, segments: written.segments, reused: false };
}
