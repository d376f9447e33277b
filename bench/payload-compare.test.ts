import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RecordTree } from '../builder/cpio/record-tree.ts';
import { charDev, dir, file, symlink, type InitrdRecord } from '../builder/cpio/records.ts';
import { writeNewcFile } from '../builder/cpio/newc-writer.ts';
import { digestInitrd } from './newc-digest.ts';
import { comparePayloads, PayloadMismatchError } from './payload-compare.ts';
import { REFERENCE_INIT_SCRIPT, replaceInit, writeReferenceInitrd } from './reference-initrd.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { initrdRecordPath, SYSTEM_IMAGE_PATH } from '../contract/initrd-layout.ts';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function realTree(extra: InitrdRecord[] = []): RecordTree {
  return new RecordTree().addAll([
    symlink('bin', 'usr/bin'),
    charDev('dev/console', 5, 1, 0o600),
    dir('tmp', 0o1777),
    file('init', { data: Buffer.from('\x7fELF the real init') }, 0o755),
    file('bin/busybox', { data: Buffer.from('busybox') }, 0o755),
    file('usr/share/only-docker/images/dhcp.tar', { data: Buffer.from('an image') }),
    ...extra,
  ]);
}

async function archive(dir: string, name: string, tree: RecordTree, compress = false): Promise<string> {
  const path = join(dir, name);
  await writeNewcFile(tree.records(), path, { mtime: 1 });
  if (compress) await writeFile(path, gzipSync(await readFile(path)));
  return path;
}

test('entries are read back with their type, mode, device and the sha256 of their bodies', async (t) => {
  const dir = tempDir(t, 'payload-');
  const entries = await digestInitrd(await archive(dir, 'a.cpio.gz', realTree(), true));
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.deepEqual(byName.get('init'), { name: 'init', type: 'file', perm: 0o755, size: 18, sha256: sha('\x7fELF the real init') });
  assert.deepEqual(byName.get('bin'), { name: 'bin', type: 'symlink', perm: 0o777, size: 7, sha256: sha('usr/bin') });
  assert.equal(byName.get('usr/bin/busybox')?.sha256, sha('busybox'), 'under the merged-/usr link');
  assert.deepEqual(byName.get('dev/console'), { name: 'dev/console', type: 'charDev', perm: 0o600, size: 0, sha256: sha(''), rdev: '5,1' });
  assert.equal(byName.get('tmp')?.perm, 0o1777);
  assert.ok(!byName.has('TRAILER!!!'));
});

test('concatenated archives (padded segments) are read as one', async (t) => {
  const dir = tempDir(t, 'payload-');
  const first = await readFile(await archive(dir, 'a.cpio', new RecordTree().add(file('a', { data: Buffer.from('1') }))));
  const second = await readFile(await archive(dir, 'b.cpio', new RecordTree().add(file('b', { data: Buffer.from('22') }))));
  await writeFile(join(dir, 'both.cpio'), Buffer.concat([first, second]));
  assert.deepEqual((await digestInitrd(join(dir, 'both.cpio'))).map((e) => e.name), ['a', 'b']);
});

test('only /init differs between the real tree and the one with the reference init', async (t) => {
  const dir = tempDir(t, 'payload-');
  const real = realTree();
  const reference = replaceInit(real, file('init', { data: Buffer.from('#!/bin/sh\n') }, 0o755));
  assert.equal(reference.size, real.size);
  const comparison = comparePayloads(await digestInitrd(await archive(dir, 'real.cpio', real)), await digestInitrd(await archive(dir, 'ref.cpio', reference, true)));
  assert.equal(comparison.ok, true);
  assert.deepEqual(comparison.differing, ['init']);
  assert.equal(comparison.equalCount, comparison.rows.length - 1);
  const init = comparison.rows.find((r) => r.name === 'init')!;
  assert.notEqual(init.real!.sha256, init.reference!.sha256);
});

test('any other difference fails the proof, and says which entries', async (t) => {
  const dir = tempDir(t, 'payload-');
  const real = await digestInitrd(await archive(dir, 'real.cpio', realTree([file('etc/a', { data: Buffer.from('a') })])));
  const changed = await digestInitrd(
    await archive(dir, 'other.cpio', replaceInit(realTree([file('etc/a', { data: Buffer.from('A') }), file('etc/extra', { data: Buffer.alloc(0) })]), file('init', { data: Buffer.from('x') }))),
  );
  const comparison = comparePayloads(real, changed);
  assert.equal(comparison.ok, false);
  assert.deepEqual(comparison.unexpected, ['etc/a', 'etc/extra']);
  assert.match(new PayloadMismatchError(comparison.unexpected).message, /2 entries differ besides \/init \(\/etc\/a, \/etc\/extra\)/);
  // A mode change alone is a difference too.
  const modeChanged = real.map((e) => (e.name === 'etc/a' ? { ...e, perm: 0o600 } : e));
  assert.deepEqual(comparePayloads(real, modeChanged).differing, ['etc/a']);
  assert.deepEqual(comparePayloads(real, modeChanged).unexpected, ['etc/a']);
});

test('a reference without /init proves nothing', () => {
  const entry = { name: 'etc/a', type: 'file' as const, perm: 0o644, size: 1, sha256: sha('a') };
  const comparison = comparePayloads([entry], [entry]);
  assert.equal(comparison.ok, false);
  assert.deepEqual(comparison.unexpected, ['init']);
});

test('the reference initrd is written from the tree with the committed script as /init, in either layout, and reused when unchanged', async (t) => {
  const scratch = tempDir(t, 'payload-');
  const image = join(scratch, 'system.img');
  await writeFile(image, 'a system image');
  const options = {
    tree: realTree(),
    systemImage: { path: image, sha256: sha('a system image') },
    outPath: join(scratch, 'out', 'reference.img'),
    workDir: join(scratch, 'work'),
    compression: { method: 'gzip' as const, level: 1 },
    mtime: 1,
  };
  const first = await writeReferenceInitrd(options);
  assert.equal(first.reused, false);
  const entries = await digestInitrd(first.path);
  const init = entries.find((e) => e.name === 'init')!;
  assert.equal(init.sha256, sha(await readFile(REFERENCE_INIT_SCRIPT)));
  assert.equal(init.perm, 0o755);
  // The first segment's entries, then the same system image as the real initrd's.
  assert.equal(entries.length, first.entries + 1);
  assert.equal(entries.at(-1)!.name, initrdRecordPath(SYSTEM_IMAGE_PATH));
  assert.equal(entries.at(-1)!.sha256, sha('a system image'));
  assert.equal((await writeReferenceInitrd(options)).reused, true);
  // The unpacked layout: no image, the reference is its one archive.
  const unpacked = await writeReferenceInitrd({ ...options, systemImage: undefined });
  assert.equal(unpacked.reused, false);
  const unpackedEntries = await digestInitrd(unpacked.path);
  assert.equal(unpackedEntries.length, unpacked.entries);
  assert.ok(!unpackedEntries.some((e) => e.name === initrdRecordPath(SYSTEM_IMAGE_PATH)));
  assert.throws(() => replaceInit(new RecordTree().add(dir('etc')), file('init', { data: Buffer.alloc(0) })), /no \/init/);
});
