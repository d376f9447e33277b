import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordTree, DuplicateEntryError } from './record-tree.ts';
import { charDev, dir, file, symlink, InvalidRecordError } from './records.ts';

test('parents are filled in and sorted before their contents', () => {
  const tree = new RecordTree().add(file('usr/bin/dockerd', { data: Buffer.from('x') }, 0o755));
  assert.deepEqual(
    tree.records().map((r) => `${r.kind}:${r.path}`),
    ['dir:usr', 'dir:usr/bin', 'file:usr/bin/dockerd'],
  );
});

test('an explicit directory replaces the implicit parent and keeps its mode', () => {
  const tree = new RecordTree().add(file('tmp/x', { data: Buffer.alloc(0) })).add(dir('tmp', 0o1777));
  assert.equal(tree.get('tmp')?.kind, 'dir');
  assert.equal((tree.get('tmp') as { mode: number }).mode, 0o1777);
});

test('a different second entry for a path is refused, an identical one is harmless', () => {
  const tree = new RecordTree().add(symlink('bin/sh', 'busybox'));
  tree.add(symlink('bin/sh', 'busybox'));
  assert.throws(() => tree.add(symlink('bin/sh', 'bash')), DuplicateEntryError);
  assert.throws(() => tree.add(file('bin', { data: Buffer.alloc(0) })), DuplicateEntryError);
});

test('entries under a directory symlink land at its target (merged /usr)', () => {
  const tree = new RecordTree().add(symlink('lib', 'usr/lib')).add(symlink('lib64', '/usr/lib64'));
  tree.add(file('lib/x86_64-linux-gnu/libc.so.6', { fromPath: '/lib/x86_64-linux-gnu/libc.so.6' }, 0o755));
  tree.add(symlink('lib64/ld-linux-x86-64.so.2', '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'));
  const paths = tree.records().map((r) => r.path);
  assert.ok(paths.includes('usr/lib/x86_64-linux-gnu/libc.so.6'));
  assert.ok(paths.includes('usr/lib64/ld-linux-x86-64.so.2'));
  assert.ok(!paths.includes('lib/x86_64-linux-gnu'));
  assert.ok(tree.has('/lib/x86_64-linux-gnu/libc.so.6'));
});

test('the order does not depend on the order of adding', () => {
  const records = [file('b/c', { data: Buffer.from('1') }), charDev('dev/console', 5, 1), dir('a'), symlink('b/a', 'c')];
  const forward = new RecordTree().addAll(records).records();
  const backward = new RecordTree().addAll([...records].reverse()).records();
  assert.deepEqual(forward, backward);
});

test('paths are normalized and bad ones refused', () => {
  assert.equal(dir('/etc//ssl/./certs/').path, 'etc/ssl/certs');
  assert.throws(() => dir('../etc'), InvalidRecordError);
  assert.throws(() => dir('/'), InvalidRecordError);
  assert.throws(() => dir('etc/naïve'), InvalidRecordError);
});
