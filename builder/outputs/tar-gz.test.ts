import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { orderEntries, TarEntryError, writeTarGz, type TarEntry } from './tar-gz.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { setTimeout as sleep } from 'node:timers/promises';

test('entries are sorted, with their parent directories first', () => {
  const order = orderEntries([
    { kind: 'data', name: 'dist/vmlinuz', data: Buffer.from('') },
    { kind: 'data', name: 'dist/kvm/run.sh', data: Buffer.from('') },
    { kind: 'data', name: 'dist/README.md', data: Buffer.from('') },
  ]).map((e) => `${e.kind}:${e.name}`);
  assert.deepEqual(order, ['dir:dist', 'data:dist/README.md', 'dir:dist/kvm', 'data:dist/kvm/run.sh', 'data:dist/vmlinuz']);
});

test('bad names and duplicates are refused', () => {
  const data = Buffer.from('');
  assert.throws(() => orderEntries([{ kind: 'data', name: '/etc/x', data }]), TarEntryError);
  assert.throws(() => orderEntries([{ kind: 'data', name: 'a/../b', data }]), TarEntryError);
  assert.throws(() => orderEntries([{ kind: 'data', name: 'a', data }, { kind: 'data', name: 'a', data }]), /two entries/);
  assert.throws(() => orderEntries([{ kind: 'data', name: 'a', data }, { kind: 'data', name: 'a/b', data }]), /is a file/);
});

test('the archive is the same bytes every time, with fixed owners, modes and times', async (t) => {
  const dir = tempDir(t, 'od-targz-');
  const big = join(dir, 'big');
  await writeFile(big, Buffer.alloc(3 * 1024 * 1024 + 7, 1));
  const entries: TarEntry[] = [
    { kind: 'file', name: 'dist/initrd.img', fromPath: big },
    { kind: 'data', name: 'dist/kvm/run.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
  ];
  await writeTarGz(join(dir, 'a.tar.gz'), entries, 1_700_000_000);
  await sleep(20);
  await writeTarGz(join(dir, 'b.tar.gz'), [...entries].reverse(), 1_700_000_000);
  const a = await readFile(join(dir, 'a.tar.gz'));
  assert.deepEqual(a, await readFile(join(dir, 'b.tar.gz')));
  assert.equal(a.readUInt32LE(4), 0, 'no timestamp in the gzip header');

  const listing = await execa('tar', ['--numeric-owner', '--full-time', '-tvzf', join(dir, 'a.tar.gz')], { env: { TZ: 'UTC' } });
  const lines = listing.stdout.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^drwxr-xr-x 0\/0 +0 2023-11-14 22:13:20 dist\/$/);
  assert.match(lines[1]!, /^-rw-r--r-- 0\/0 +3145735 2023-11-14 22:13:20 dist\/initrd.img$/);
  assert.match(lines[3]!, /^-rwxr-xr-x 0\/0 +10 2023-11-14 22:13:20 dist\/kvm\/run.sh$/);
  await execa('tar', ['-xzf', join(dir, 'a.tar.gz'), '-C', dir]);
  assert.deepEqual(await readFile(join(dir, 'dist', 'initrd.img')), await readFile(big));
});
