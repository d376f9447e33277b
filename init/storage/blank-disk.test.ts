import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BlockDevice } from './block-devices.ts';
import { examineBlank } from './blank-disk.ts';
import { blankImage, extImage, fatImage, isoImage, mbrImage, MiB, writeAt } from './test-images.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

function device(path: string, sizeBytes: number, more: Partial<BlockDevice> = {}): BlockDevice {
  return { name: 'vdb', path, devno: '254:16', partition: false, disk: 'vdb', sizeBytes, readOnly: false, partitions: [], holders: [], ...more };
}

test('a new zeroed disk is blank', (t) => {
  const image = blankImage(join(tempDir(t), 'new.img'), 256 * MiB);
  assert.deepEqual(examineBlank(device(image, 256 * MiB)), { blank: true });
});

test('a disk with a partition table is not blank, even with nothing else on it', (t) => {
  const image = mbrImage(join(tempDir(t), 'mbr.img'), 256 * MiB);
  assert.deepEqual(examineBlank(device(image, 256 * MiB)), { blank: false, reason: 'it holds an MBR partition table' });
});

test('a disk with a filesystem is not blank, whatever its label', (t) => {
  const image = extImage(join(tempDir(t), 'data.img'), ['-t', 'ext4', '-L', 'DATA'], 256 * MiB);
  assert.deepEqual(examineBlank(device(image, 256 * MiB)), { blank: false, reason: 'it holds an ext4 filesystem labelled "DATA"' });
});

test('a config drive (FAT or ISO 9660 labelled cidata) is never blank', (t) => {
  const dir = tempDir(t);
  const fat = fatImage(join(dir, 'cidata.img'), 'CIDATA', { sizeBytes: 128 * MiB, files: { 'user-data': 'x' } });
  assert.deepEqual(examineBlank(device(fat, 128 * MiB)), { blank: false, reason: 'it holds a FAT filesystem labelled "CIDATA"' });
  const iso = isoImage(join(dir, 'cidata.iso'), 'cidata', { 'user-data': 'x' });
  assert.deepEqual(examineBlank(device(iso, 128 * MiB)), { blank: false, reason: 'it holds an ISO 9660 filesystem labelled "cidata"' });
});

test('unknown data in the first MiB or in the last MiB: not blank', (t) => {
  const dir = tempDir(t);
  const head = blankImage(join(dir, 'head.img'), 256 * MiB);
  writeAt(head, 700_000, Buffer.from([1]));
  assert.deepEqual(examineBlank(device(head, 256 * MiB)), { blank: false, reason: 'it holds data (a non-zero byte at offset 700000)' });
  const tail = blankImage(join(dir, 'tail.img'), 256 * MiB);
  writeAt(tail, 256 * MiB - 512, Buffer.from('EFI PART'));
  assert.deepEqual(examineBlank(device(tail, 256 * MiB)), {
    blank: false,
    reason: `it holds data near its end (a non-zero byte at offset ${256 * MiB - 512})`,
  });
});

test('what sysfs and mountinfo say rules a disk out before it is read', (t) => {
  const image = blankImage(join(tempDir(t), 'z.img'), 256 * MiB);
  const cases: Array<[Partial<BlockDevice>, string]> = [
    [{ readOnly: true }, 'it is read-only'],
    [{ partitions: ['vdb1'] }, 'it has partitions (vdb1)'],
    [{ holders: ['dm-0'] }, 'it is in use by dm-0'],
    [{ sizeBytes: 32 * MiB }, 'it is too small (32 MiB; at least 64 MiB)'],
  ];
  for (const [more, reason] of cases) {
    assert.deepEqual(examineBlank(device(image, 256 * MiB, more), { read: () => assert.fail('read') }), { blank: false, reason });
  }
  assert.deepEqual(examineBlank(device(image, 256 * MiB), { mountedDevnos: new Set(['254:16']) }), { blank: false, reason: 'it is mounted' });
  assert.match((examineBlank(device(join(tempDir(t), 'missing'), 256 * MiB)) as { reason: string }).reason, /^it cannot be read \(ENOENT/);
});

test('a filesystem at a partition start behind a wiped partition table: not blank', (t) => {
  const dir = tempDir(t);
  // As after `dd if=/dev/zero of=/dev/sdb bs=1M count=1` on a disk partitioned by fdisk.
  const wiped = blankImage(join(dir, 'wiped.img'), 256 * MiB);
  execFileSync('/usr/sbin/mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'PHOTOS', '-E', `offset=${MiB}`, wiped, '200M'], { stdio: 'ignore' });
  assert.deepEqual(examineBlank(device(wiped, 256 * MiB)), {
    blank: false,
    reason: 'it holds an ext4 filesystem labelled "PHOTOS" at 1 MiB, where a partition starts',
  });
  // Anything else there, and at the larger alignments, too.
  for (const start of [1, 4, 128]) {
    const image = blankImage(join(dir, `data-${start}.img`), 256 * MiB);
    writeAt(image, start * MiB + 4096, Buffer.from([7]));
    assert.deepEqual(examineBlank(device(image, 256 * MiB)), {
      blank: false,
      reason: `it holds data (a non-zero byte at offset ${start * MiB + 4096}, at ${start} MiB, where a partition starts)`,
    });
  }
});
