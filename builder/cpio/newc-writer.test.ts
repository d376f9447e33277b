import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeNewcFile } from './newc-writer.ts';
import { readNewcArchive } from './newc-reader.ts';
import { RecordTree } from './record-tree.ts';
import { charDev, dir, file, symlink } from './records.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

async function sampleTree(workDir: string): Promise<RecordTree> {
  const onDisk = join(workDir, 'payload.bin');
  await writeFile(onDisk, Buffer.from('odd-length payload'));
  return new RecordTree().addAll([
    charDev('dev/console', 5, 1, 0o600),
    dir('tmp', 0o1777),
    file('init', { data: Buffer.from('#!/bin/sh\necho hi\n') }, 0o755),
    file('usr/share/payload.bin', { fromPath: onDisk }),
    file('etc/empty', { data: Buffer.alloc(0) }),
    symlink('bin', 'usr/bin'),
  ]);
}

test('the newc archive reads back with every record, mode and device number', async (t) => {
  const workDir = tempDir(t, 'newc-');
  const tree = await sampleTree(workDir);
  const out = join(workDir, 'initrd.cpio');
  const length = await writeNewcFile(tree.records(), out, { mtime: 1_700_000_000 });
  const bytes = await readFile(out);
  assert.equal(bytes.length, length);
  assert.equal(length % 512, 0, 'padded to whole blocks');
  assert.equal(bytes.subarray(0, 6).toString(), '070701', 'newc magic, not odc');

  const entries = await readNewcArchive(bytes);
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.deepEqual(entries.map((e) => e.name), tree.records().map((r) => r.path));
  assert.ok(bytes.includes('TRAILER!!!'), 'the archive ends with a trailer');
  assert.equal(byName.get('dev/console')!.mode, 0o020600);
  assert.equal(byName.get('dev/console')!.rdevmajor, 5);
  assert.equal(byName.get('dev/console')!.rdevminor, 1);
  assert.equal(byName.get('tmp')!.mode, 0o041777);
  assert.equal(byName.get('init')!.mode, 0o100755);
  assert.equal(byName.get('init')!.body.toString(), '#!/bin/sh\necho hi\n');
  assert.equal(byName.get('usr/share/payload.bin')!.body.toString(), 'odd-length payload');
  assert.equal(byName.get('bin')!.mode & 0o170000, 0o120000);
  assert.equal(byName.get('bin')!.body.toString(), 'usr/bin');
  assert.ok(entries.every((e) => e.uid === 0 && e.gid === 0));
  assert.ok(entries.every((e) => e.mtime === 1_700_000_000));
});

test('GNU cpio, an independent reader, lists the same archive', async (t) => {
  let cpioAvailable = true;
  try {
    execFileSync('cpio', ['--version'], { stdio: 'ignore' });
  } catch {
    cpioAvailable = false;
  }
  if (!cpioAvailable) return t.skip('cpio is not installed (Debian package cpio)');
  const workDir = tempDir(t, 'newc-');
  const out = join(workDir, 'initrd.cpio');
  await writeNewcFile((await sampleTree(workDir)).records(), out);
  const listing = execFileSync('cpio', ['-it', '--quiet', '-F', out], { encoding: 'utf8' });
  assert.deepEqual(listing.trim().split('\n'), ['bin', 'dev', 'dev/console', 'etc', 'etc/empty', 'init', 'tmp', 'usr', 'usr/share', 'usr/share/payload.bin']);
});

test('the same records give the same bytes', async (t) => {
  const workDir = tempDir(t, 'newc-');
  const digests: string[] = [];
  for (const name of ['a.cpio', 'b.cpio']) {
    const out = join(workDir, name);
    await writeNewcFile((await sampleTree(workDir)).records(), out);
    digests.push(createHash('sha256').update(await readFile(out)).digest('hex'));
  }
  assert.equal(digests[0], digests[1]);
});
