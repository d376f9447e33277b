import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readAt } from './block-devices.ts';
import { extSuperblockOf, findSignatures, firstNonZero, parseExtSuperblock } from './signatures.ts';
import { blankImage, extImage, mbrImage, MiB, tempDir, writeAt } from './test-images.ts';

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
