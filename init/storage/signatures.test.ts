import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readAt } from './block-devices.ts';
import { extSuperblockOf, fatVolumeOf, findSignatures, firstNonZero, isoVolumeOf, labelledVolumeOf, parseExtSuperblock, VOLUME_PROBE_BYTES } from './signatures.ts';
import { blankImage, extImage, fatImage, isoImage, mbrImage, MiB, writeAt } from './test-images.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('the label and type of real ext2/3/4 superblocks made by mke2fs', (t) => {
  const dir = tempDir(t);
  const cases: Array<[string[], string, string]> = [
    [['-t', 'ext4', '-L', 'DOCKER'], 'ext4', 'DOCKER'],
    [['-t', 'ext3', '-L', 'data'], 'ext3', 'data'],
    [['-t', 'ext2'], 'ext2', ''],
    // The longest label ext allows: 16 bytes, no NUL after it.
    [['-t', 'ext4', '-L', 'sixteen-chars-xx'], 'ext4', 'sixteen-chars-xx'],
  ];
  for (const [args, type, label] of cases) {
    const image = extImage(join(dir, `${type}-${label || 'none'}.img`), args, 16 * MiB);
    const superblock = extSuperblockOf(readAt(image, 0, 4096));
    assert.ok(superblock, `${args.join(' ')}: superblock found`);
    assert.equal(superblock.type, type);
    assert.equal(superblock.label, label);
    assert.equal(superblock.needsRecovery, false);
    assert.equal(superblock.hasErrors, false);
    const uuid = execFileSync('/usr/sbin/tune2fs', ['-l', image], { encoding: 'utf8' }).match(/UUID:\s+(\S+)/)?.[1];
    assert.equal(superblock.uuid, uuid);
  }
});

test('no superblock in zeros, in a short read, or with the magic one byte off', (t) => {
  const dir = tempDir(t);
  assert.equal(extSuperblockOf(Buffer.alloc(4096)), undefined);
  assert.equal(parseExtSuperblock(Buffer.alloc(100)), undefined);
  const image = extImage(join(dir, 'x.img'), ['-t', 'ext4', '-L', 'DOCKER'], 16 * MiB);
  const head = readAt(image, 0, 2048);
  assert.equal(extSuperblockOf(head.subarray(0, 2000)), undefined);
  head[1024 + 56] = 0x52;
  assert.equal(extSuperblockOf(head), undefined);
});

test('signatures: filesystems, partition tables, swap; nothing in zeros', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(findSignatures(readAt(blankImage(join(dir, 'zero.img'), 4 * MiB), 0, MiB)), []);
  assert.deepEqual(findSignatures(readAt(mbrImage(join(dir, 'mbr.img'), 4 * MiB), 0, MiB)), ['an MBR partition table']);
  assert.deepEqual(findSignatures(readAt(extImage(join(dir, 'e.img'), ['-t', 'ext4', '-L', 'photos'], 16 * MiB), 0, MiB)), [
    'an ext4 filesystem labelled "photos"',
  ]);
  const swap = blankImage(join(dir, 'swap.img'), 4 * MiB);
  execFileSync('/usr/sbin/mkswap', [swap], { stdio: 'ignore' });
  assert.deepEqual(findSignatures(readAt(swap, 0, MiB)), ['swap space']);
  const gpt = mbrImage(join(dir, 'gpt.img'), 4 * MiB);
  writeAt(gpt, 512, Buffer.from('EFI PART'));
  // GPT's protective MBR is not reported as a second table.
  assert.deepEqual(findSignatures(readAt(gpt, 0, MiB)), ['a GPT partition table']);
});

test('firstNonZero finds a byte anywhere, also past the last whole word', () => {
  assert.equal(firstNonZero(Buffer.alloc(MiB)), -1);
  for (const at of [0, 7, 8, 4095, MiB - 1]) {
    const buffer = Buffer.alloc(MiB);
    buffer[at] = 1;
    assert.equal(firstNonZero(buffer), at);
  }
  const odd = Buffer.alloc(13);
  odd[12] = 9;
  assert.equal(firstNonZero(odd), 12);
});

test('FAT volume labels of real FAT12, FAT16 and FAT32 boot sectors made by mformat', (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, { fat32?: boolean; sizeBytes?: number }, string, boolean]> = [
    ['CIDATA', {}, 'CIDATA', false], // 4 MiB: FAT12
    ['cidata', { sizeBytes: 64 * MiB }, 'cidata', false], // FAT16, the label's case kept
    ['CIDATA', { fat32: true }, 'CIDATA', true],
    ['ELEVEN-CHAR', {}, 'ELEVEN-CHAR', false], // the longest label: no padding left
    ['', {}, '', false], // "NO NAME    " is no label
  ];
  for (const [label, options, expected, fat32] of cases) {
    const image = fatImage(join(dir, `${label || 'none'}-${fat32}-${options.sizeBytes ?? 0}.img`), label, options);
    const head = readAt(image, 0, VOLUME_PROBE_BYTES);
    assert.deepEqual(fatVolumeOf(head), { fstype: 'vfat', label: expected, fat32 }, `${label} ${JSON.stringify(options)}`);
    assert.deepEqual(labelledVolumeOf(head), { fstype: 'vfat', label: expected });
    assert.equal(isoVolumeOf(head), undefined);
  }
});

test('no FAT volume in an MBR, an ext4 filesystem, zeros, or a boot sector without a sane parameter block', (t) => {
  const dir = tempDir(t);
  assert.equal(fatVolumeOf(readAt(mbrImage(join(dir, 'mbr.img'), 4 * MiB), 0, 512)), undefined);
  assert.equal(fatVolumeOf(readAt(extImage(join(dir, 'e.img'), ['-t', 'ext4', '-L', 'CIDATA'], 16 * MiB), 0, 512)), undefined);
  assert.equal(fatVolumeOf(Buffer.alloc(512)), undefined);
  const head = readAt(fatImage(join(dir, 'f.img'), 'CIDATA'), 0, 512);
  assert.equal(fatVolumeOf(head.subarray(0, 511)), undefined, 'short');
  const badSectorSize = Buffer.from(head);
  badSectorSize.writeUInt16LE(500, 0x0b);
  assert.equal(fatVolumeOf(badSectorSize), undefined);
  const ntfs = Buffer.from(head);
  ntfs.write('NTFS    ', 3, 'latin1');
  assert.equal(fatVolumeOf(ntfs), undefined);
  // An old extended boot signature (0x28) ends before the label.
  const old = Buffer.from(head);
  old[0x26] = 0x28;
  assert.deepEqual(fatVolumeOf(old), { fstype: 'vfat', label: '', fat32: false });
});

test('the ISO 9660 volume identifier of a real image made by xorriso', (t) => {
  const dir = tempDir(t);
  const iso = isoImage(join(dir, 'c.iso'), 'cidata', { 'user-data': '#cloud-config\n' });
  const head = readAt(iso, 0, VOLUME_PROBE_BYTES);
  assert.deepEqual(isoVolumeOf(head), { fstype: 'iso9660', label: 'cidata' });
  assert.deepEqual(labelledVolumeOf(head), { fstype: 'iso9660', label: 'cidata' });
  assert.equal(isoVolumeOf(head.subarray(0, 32768 + 60)), undefined, 'short');
  const notPrimary = Buffer.from(head);
  notPrimary[32768] = 2;
  assert.equal(isoVolumeOf(notPrimary), undefined);
  assert.equal(labelledVolumeOf(Buffer.alloc(VOLUME_PROBE_BYTES)), undefined);
});

test('signatures name FAT and ISO 9660 filesystems with their labels, once', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(findSignatures(readAt(fatImage(join(dir, 'f.img'), 'CIDATA'), 0, MiB)), ['a FAT filesystem labelled "CIDATA"']);
  assert.deepEqual(findSignatures(readAt(fatImage(join(dir, 'f32.img'), 'CIDATA', { fat32: true }), 0, MiB)), ['a FAT filesystem labelled "CIDATA"']);
  assert.deepEqual(findSignatures(readAt(fatImage(join(dir, 'n.img'), ''), 0, MiB)), ['a FAT filesystem without a label']);
  assert.deepEqual(findSignatures(readAt(isoImage(join(dir, 'c.iso'), 'cidata'), 0, MiB)), ['an ISO 9660 filesystem labelled "cidata"']);
});
