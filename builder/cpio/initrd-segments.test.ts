import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findHostTool } from '../sources/host-tools.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { compressFile } from './compress.ts';
import { findSegments, InitrdLayoutError, storedDataPadding, writeSegmentedInitrd } from './initrd-segments.ts';
import { readNewcArchive } from './newc-reader.ts';
import { writeNewcFile } from './newc-writer.ts';
import { file } from './records.ts';

test('the padding puts the first entry data of a stored segment on the alignment', () => {
  // 110-byte header + "a\0" = 112, already a multiple of 4.
  assert.equal(storedDataPadding(0, 'a', 4096), 4096 - 112);
  assert.equal(storedDataPadding(4096 - 112, 'a', 4096), 0);
  // "ab\0": 113, padded to 116.
  assert.equal(storedDataPadding(8, 'ab', 4096), 4096 - 116 - 8);
  assert.throws(() => storedDataPadding(2, 'a', 4096), InitrdLayoutError);
});

test('a zstd segment of many blocks is measured to its end, and the stored segment after it is found', async (t) => {
  if (!findHostTool('zstd')) return t.skip('zstd is not installed (Debian package zstd)');
  const dir = tempDir(t, 'segments-');
  // Incompressible bytes: raw blocks of at most 128 KiB, so the frame has several.
  const payload = randomBytes(700_000);
  const cpio = join(dir, 'first.cpio');
  await writeNewcFile([file('init', { data: payload }, 0o755)], cpio);
  await compressFile(cpio, `${cpio}.zst`, { method: 'zstd', level: 3 });
  const out = join(dir, 'initrd.img');
  const written = await writeSegmentedInitrd(out, {
    compressed: `${cpio}.zst`,
    compression: 'zstd',
    stored: file('usr/lib/only-docker/system.img', { data: Buffer.from('image') }, 0o444),
    alignment: 4096,
    mtime: 1,
  });
  const [first, second] = written.segments;
  assert.deepEqual(first, { offset: 0, length: (await readFile(`${cpio}.zst`)).length, compression: 'zstd' });
  assert.equal(second!.compression, 'none');
  const stored = await readNewcArchive((await readFile(out)).subarray(second!.offset));
  assert.equal(stored[0]!.body.toString(), 'image');
});

test('bytes that are neither an archive nor a compressed one are an error naming the offset', async (t) => {
  const dir = tempDir(t, 'segments-');
  await writeFile(join(dir, 'junk.img'), Buffer.concat([Buffer.alloc(8), Buffer.from('not an initrd')]));
  await assert.rejects(findSegments(join(dir, 'junk.img')), /at byte 8/);
});
