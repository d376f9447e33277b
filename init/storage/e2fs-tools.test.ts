import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkExtFilesystem, fsckVerdict, makeExtFilesystem, runTool, ToolStartError } from './e2fs-tools.ts';
import { extSuperblockOf } from './signatures.ts';
import { readAt } from './block-devices.ts';
import { blankImage, extImage, MiB } from './test-images.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test("e2fsck's exit bits decide whether the disk is mounted", () => {
  assert.deepEqual(fsckVerdict({ code: 0, signal: null }), { mount: true, result: 'clean', summary: 'clean' });
  assert.equal(fsckVerdict({ code: 1, signal: null }).result, 'repaired');
  assert.equal(fsckVerdict({ code: 3, signal: null }).result, 'repaired');
  assert.deepEqual(fsckVerdict({ code: 4, signal: null }), {
    mount: false,
    result: 'errors',
    summary: 'e2fsck found errors it could not correct on its own (exit 4)',
  });
  assert.equal(fsckVerdict({ code: 12, signal: null }).mount, false);
  assert.deepEqual(fsckVerdict({ code: 8, signal: null }), { mount: true, result: 'unchecked', summary: 'e2fsck could not check it (exit 8)' });
  // A check that did not finish may have left a repair half done: never mounted.
  assert.deepEqual(fsckVerdict({ code: null, signal: 'SIGKILL' }), { mount: false, result: 'interrupted', summary: 'e2fsck was killed (SIGKILL) before it finished' });
  assert.deepEqual(fsckVerdict({ code: 32, signal: null }), { mount: false, result: 'interrupted', summary: 'e2fsck was cancelled before it finished (exit 32)' });
});

test('mke2fs makes ext4 labelled DOCKER on a blank image; e2fsck -p finds it clean', async (t) => {
  const image = blankImage(join(tempDir(t), 'disk.img'), 128 * MiB);
  const made = await makeExtFilesystem(image, 'DOCKER');
  assert.equal(made.code, 0, made.output.join('\n'));
  const superblock = extSuperblockOf(readAt(image, 0, 4096));
  assert.equal(superblock?.label, 'DOCKER');
  assert.equal(superblock?.type, 'ext4');
  const checked = await checkExtFilesystem(image);
  assert.deepEqual(fsckVerdict(checked).result, 'clean');
});

test('e2fsck -p stops at damage it may not fix alone', async (t) => {
  const image = extImage(join(tempDir(t), 'broken.img'), ['-t', 'ext4', '-L', 'DOCKER']);
  // Point the root directory's inode at a block beyond the filesystem.
  execFileSync('/usr/sbin/debugfs', ['-w', '-R', 'sif <2> block[0] 0xffffff', image], { stdio: 'ignore' });
  execFileSync('/usr/sbin/debugfs', ['-w', '-R', 'ssv state 2', image], { stdio: 'ignore' });
  const checked = await checkExtFilesystem(image);
  assert.equal(fsckVerdict(checked).mount, false, `exit ${checked.code}: ${checked.output.join('\n')}`);
});

test('a program that is not there is a ToolStartError', async () => {
  await assert.rejects(runTool('/nonexistent/e2fsck', []), ToolStartError);
});
