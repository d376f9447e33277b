import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { pseudoFilesystems } from './pseudo-filesystems.ts';
import type { CreatorEntry, MountEntry } from '../sys/creator.ts';

const mounts = pseudoFilesystems.filter((e): e is MountEntry => e.kind === 'mount');
const indexOf = (pred: (e: CreatorEntry) => boolean) => pseudoFilesystems.findIndex(pred);

test('mounts what Docker needs, in this order', () => {
  assert.deepEqual(
    mounts.map((m) => `${m.fstype}:${m.target}`),
    [
      'proc:/proc',
      'sysfs:/sys',
      'devtmpfs:/dev',
      'devpts:/dev/pts',
      'tmpfs:/dev/shm',
      'mqueue:/dev/mqueue',
      'tmpfs:/run',
      'tmpfs:/tmp',
      'cgroup2:/sys/fs/cgroup',
    ],
  );
});

test('every mount target has a dir entry before it, and every parent is mounted first', () => {
  for (const mount of mounts) {
    const mountAt = pseudoFilesystems.indexOf(mount);
    const dirAt = indexOf((e) => e.kind === 'dir' && e.path === mount.target);
    assert.ok(dirAt >= 0 && dirAt < mountAt, `dir before mount ${mount.target}`);
    const parentMount = mounts
      .filter((m) => m !== mount && mount.target.startsWith(`${m.target}/`))
      .map((m) => pseudoFilesystems.indexOf(m));
    for (const at of parentMount) assert.ok(at < dirAt, `parent of ${mount.target} mounted before its dir`);
  }
});

test('links into /proc come after /proc is mounted; /dev entries after devtmpfs', () => {
  const procAt = indexOf((e) => e.kind === 'mount' && e.target === '/proc');
  const devAt = indexOf((e) => e.kind === 'mount' && e.target === '/dev');
  for (const [at, entry] of pseudoFilesystems.entries()) {
    if (entry.kind === 'symlink' && entry.target.startsWith('/proc/')) assert.ok(at > procAt, entry.path);
    if ((entry.kind === 'symlink' || entry.kind === 'dev') && entry.path.startsWith('/dev/')) assert.ok(at > devAt, entry.path);
  }
});

test('the links the brief asks for', () => {
  const links = Object.fromEntries(
    pseudoFilesystems.flatMap((e) => (e.kind === 'symlink' ? [[e.path, e.target]] : [])),
  );
  assert.deepEqual(links, {
    '/dev/fd': '/proc/self/fd',
    '/dev/stdin': '/proc/self/fd/0',
    '/dev/stdout': '/proc/self/fd/1',
    '/dev/stderr': '/proc/self/fd/2',
    '/dev/ptmx': 'pts/ptmx',
    '/var/run': '/run',
  });
});

test('devpts options, sticky tmp dirs, cgroup2 nsdelegate with a plain fallback', () => {
  const byTarget = (t: string) => mounts.find((m) => m.target === t)!;
  assert.equal(byTarget('/dev/pts').data, 'newinstance,ptmxmode=666,gid=5,mode=620');
  assert.equal(byTarget('/sys/fs/cgroup').data, 'nsdelegate');
  assert.deepEqual(byTarget('/sys/fs/cgroup').fallbackData, ['']);
  for (const path of ['/tmp', '/dev/shm']) {
    const dir = pseudoFilesystems.find((e) => e.kind === 'dir' && e.path === path);
    assert.equal(dir?.kind === 'dir' && dir.mode, 0o1777, path);
  }
});

test('paths are absolute and normalised, no path appears twice per kind', () => {
  const seen = new Set<string>();
  for (const entry of pseudoFilesystems) {
    const path = entry.kind === 'mount' ? entry.target : entry.path;
    assert.equal(posix.normalize(path), path);
    assert.ok(path.startsWith('/'));
    const key = `${entry.kind}:${path}`;
    assert.ok(!seen.has(key), key);
    seen.add(key);
  }
});
