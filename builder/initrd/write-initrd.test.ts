import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordTree } from '../cpio/record-tree.ts';
import { dir, file, symlink } from '../cpio/records.ts';
import { readNewcArchive } from '../cpio/newc-reader.ts';
import { writeNewcFile } from '../cpio/newc-writer.ts';
import { compressFile } from '../cpio/compress.ts';
import { findSegments, openSegment } from '../cpio/initrd-segments.ts';
import { findHostTool } from '../sources/host-tools.ts';
import { DOCKERD_PATH, initrdRecordPath, SYSTEM_IMAGE_MOUNT, SYSTEM_IMAGE_PATH } from '../../contract/initrd-layout.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { SYSTEM_IMAGE_ALIGNMENT, writeInitrd } from './write-initrd.ts';
import { splitRecords, systemImageLinks, systemTreeFor } from './system-image-split.ts';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A small build: the base links, the init, busybox, dockerd, a library of each kind. */
function trees(): { first: RecordTree; system: RecordTree } {
  const first = new RecordTree().addAll([
    symlink('bin', 'usr/bin'),
    symlink('sbin', 'usr/sbin'),
    symlink('lib', 'usr/lib'),
    dir('usr/bin'),
    dir('usr/sbin'),
    file('init', { data: Buffer.from('\x7fELF the init') }, 0o755),
    file('lib/x86_64-linux-gnu/libc.so.6', { data: Buffer.from('libc') }, 0o755),
  ]);
  const system = systemTreeFor(first);
  const packaged = splitRecords([
    file('bin/busybox', { data: Buffer.from('busybox') }, 0o755),
    file('etc/mke2fs.conf', { data: Buffer.from('[defaults]\n') }),
    file(DOCKERD_PATH, { data: Buffer.from('\x7fELF dockerd') }, 0o755),
    file('usr/libexec/docker/cli-plugins/docker-compose', { data: Buffer.from('compose') }, 0o755),
  ]);
  first.addAll(packaged.first);
  system.addAll([...packaged.system, file('lib/x86_64-linux-gnu/libsystemd.so.0', { data: Buffer.from('libsystemd') }, 0o755)]);
  first.addAll([dir(SYSTEM_IMAGE_MOUNT), ...systemImageLinks(first, system, SYSTEM_IMAGE_MOUNT)]);
  return { first, system };
}

for (const method of ['gzip', 'zstd'] as const) {
  test(`the initrd (${method}): a compressed first segment with /init and no dockerd, then the system image stored in its own segment`, async (t) => {
    if (method === 'zstd' && !findHostTool('zstd')) return t.skip('zstd is not installed (Debian package zstd)');
    const scratch = tempDir(t, 'initrd-');
    const image = join(scratch, 'system.img');
    const imageBytes = Buffer.alloc(3 * 4096 + 17, 0xe0);
    await writeFile(image, imageBytes);
    const written = await writeInitrd({
      records: trees().first.records(),
      systemImage: { path: image, sha256: sha(imageBytes) },
      outPath: join(scratch, 'initrd.img'),
      workDir: join(scratch, 'work'),
      name: 'initrd',
      compression: { method, level: 3 },
      mtime: 1,
    });

    const segments = await findSegments(written.path);
    assert.deepEqual(segments, written.segments);
    assert.deepEqual(
      segments.map((s) => s.compression),
      [method, 'none'],
    );
    assert.equal(written.bytes, (await stat(written.path)).size);

    const first = await readNewcArchive(openSegment(written.path, segments[0]!));
    const names = first.map((e) => e.name);
    assert.ok(names.includes('init'));
    assert.ok(names.includes('usr/bin/busybox'), 'busybox stays: the shells need it when the image cannot be mounted');
    assert.ok(names.includes('etc/mke2fs.conf'));
    assert.ok(names.includes('usr/lib/x86_64-linux-gnu/libc.so.6'), "the init's libraries stay");
    assert.ok(names.includes(initrdRecordPath(SYSTEM_IMAGE_MOUNT)), 'the mount point');
    // dockerd is only a link into the mounted image.
    const dockerd = first.find((e) => e.name === initrdRecordPath(DOCKERD_PATH))!;
    assert.equal(dockerd.mode & 0o170000, 0o120000);
    assert.equal(dockerd.body.toString(), '../lib/only-docker/system/usr/sbin/dockerd');
    assert.ok(!first.some((e) => e.body.toString().includes('ELF dockerd')));
    const libsystemd = first.find((e) => e.name === 'usr/lib/x86_64-linux-gnu/libsystemd.so.0')!;
    assert.equal(libsystemd.mode & 0o170000, 0o120000, 'a library only dockerd links is a link into the image');

    const second = await readNewcArchive(openSegment(written.path, segments[1]!));
    assert.deepEqual(
      second.map((e) => e.name),
      [initrdRecordPath(SYSTEM_IMAGE_PATH)],
    );
    assert.ok(second[0]!.body.equals(imageBytes));
    assert.equal(second[0]!.mode & 0o777, 0o444);
    // The image's bytes begin on a page boundary of the initrd.
    const whole = await readFile(written.path);
    const dataAt = whole.indexOf(imageBytes.subarray(0, 64), segments[1]!.offset);
    assert.equal(dataAt % SYSTEM_IMAGE_ALIGNMENT, 0);
    assert.equal(segments[1]!.offset % 4, 0);
  });
}

/** The unpacked layout's tree: the same records as trees(), all in one, no mount point, no links into it. */
function unpackedTree(): RecordTree {
  const tree = new RecordTree().addAll([symlink('bin', 'usr/bin'), symlink('sbin', 'usr/sbin'), symlink('lib', 'usr/lib'), dir('usr/bin'), dir('usr/sbin')]);
  return tree.addAll([
    file('init', { data: Buffer.from('\x7fELF the init') }, 0o755),
    file('lib/x86_64-linux-gnu/libc.so.6', { data: Buffer.from('libc') }, 0o755),
    file('bin/busybox', { data: Buffer.from('busybox') }, 0o755),
    file(DOCKERD_PATH, { data: Buffer.from('\x7fELF dockerd') }, 0o755),
    file('lib/x86_64-linux-gnu/libsystemd.so.0', { data: Buffer.from('libsystemd') }, 0o755),
  ]);
}

for (const method of ['gzip', 'zstd'] as const) {
  test(`the unpacked initrd (${method}): one compressed archive with everything, the bytes of compressing the archive alone`, async (t) => {
    if (method === 'zstd' && !findHostTool('zstd')) return t.skip('zstd is not installed (Debian package zstd)');
    const scratch = tempDir(t, 'initrd-');
    const records = unpackedTree().records();
    const compression = { method, level: 3 };
    const written = await writeInitrd({ records, outPath: join(scratch, 'initrd.img'), workDir: join(scratch, 'work'), name: 'initrd', compression, mtime: 1 });

    const bytes = (await stat(written.path)).size;
    assert.equal(written.bytes, bytes);
    assert.deepEqual(written.segments, [{ offset: 0, length: bytes, compression: method }]);
    assert.deepEqual(await findSegments(written.path), written.segments);
    const entries = await readNewcArchive(openSegment(written.path, written.segments[0]!));
    const dockerd = entries.find((e) => e.name === initrdRecordPath(DOCKERD_PATH))!;
    assert.equal(dockerd.mode & 0o170000, 0o100000, 'dockerd is a file, not a link into an image');
    assert.equal(dockerd.body.toString(), '\x7fELF dockerd');
    assert.ok(!entries.some((e) => e.name === initrdRecordPath(SYSTEM_IMAGE_PATH) || e.name.startsWith(initrdRecordPath(SYSTEM_IMAGE_MOUNT))));

    // What the build wrote before there was a layout to choose: the archive, compressed.
    const archive = join(scratch, 'alone.cpio');
    assert.equal(await writeNewcFile(records, archive, { mtime: 1 }), written.cpioBytes);
    await compressFile(archive, join(scratch, 'alone.img'), compression);
    assert.equal(sha(await readFile(written.path)), sha(await readFile(join(scratch, 'alone.img'))));
  });
}

test('the same records and image give the same initrd, which is then left as it is', async (t) => {
  const scratch = tempDir(t, 'initrd-');
  const image = join(scratch, 'system.img');
  await writeFile(image, 'image');
  const options = {
    records: trees().first.records(),
    systemImage: { path: image, sha256: sha('image') },
    outPath: join(scratch, 'initrd.img'),
    workDir: join(scratch, 'work'),
    name: 'initrd',
    compression: { method: 'gzip' as const, level: 1 },
    mtime: 1,
  };
  const first = await writeInitrd(options);
  const again = await writeInitrd(options);
  assert.equal(again.reused, true);
  assert.equal(again.sha256, first.sha256);
  await writeFile(image, 'another image');
  const changed = await writeInitrd({ ...options, systemImage: { path: image, sha256: sha('another image') } });
  assert.equal(changed.reused, false);
  assert.notEqual(changed.sha256, first.sha256);
  // The other layout from the same records is another file.
  const unpacked = await writeInitrd({ ...options, systemImage: undefined });
  assert.equal(unpacked.reused, false);
  assert.equal(unpacked.segments.length, 1);
});
