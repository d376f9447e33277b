import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, symlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { stagedFiles, StagedFileMissingError } from './staged-files.ts';
import { initrdApplets } from './busybox-applets.ts';
import { parseAppletList } from '../sources/busybox-applet-list.ts';
import { baseTree } from './base-tree.ts';
import { RecordTree } from '../cpio/record-tree.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('staged files keep modes and links, take whole directories, and list executables', async (t) => {
  const root = tempDir(t, 'staging-');
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'usr/lib/xtables'), { recursive: true });
  await writeFile(join(root, 'usr/bin/tini-static'), 'elf');
  await chmod(join(root, 'usr/bin/tini-static'), 0o755);
  await symlink('tini-static', join(root, 'usr/bin/docker-init'));
  await writeFile(join(root, 'usr/lib/xtables/libxt_nat.so'), 'so');
  await writeFile(join(root, 'usr/lib/xtables/README'), 'text');

  const staged = await stagedFiles(root, ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/lib/xtables/']);
  const byPath = new Map(staged.records.map((r) => [r.path, r]));
  assert.equal(byPath.get('usr/bin/tini-static')?.kind, 'file');
  assert.equal((byPath.get('usr/bin/tini-static') as { mode: number }).mode, 0o755);
  assert.deepEqual(byPath.get('usr/bin/docker-init'), { kind: 'symlink', path: 'usr/bin/docker-init', target: 'tini-static' });
  assert.equal(byPath.get('usr/lib/xtables')?.kind, 'dir');
  assert.ok(byPath.has('usr/lib/xtables/README'));
  assert.deepEqual(staged.elfCandidates.map((p) => p.slice(root.length)).sort(), ['/usr/bin/tini-static', '/usr/lib/xtables/libxt_nat.so']);
});

test('a configured file no package provides names the path and the fix', async (t) => {
  const root = tempDir(t, 'staging-');
  await assert.rejects(stagedFiles(root, ['/usr/sbin/dockerd']), (err: unknown) => {
    assert.ok(err instanceof StagedFileMissingError);
    assert.match(err.message, /\/usr\/sbin\/dockerd .*add the package that has it to "packages"/);
    return true;
  });
});

test('busybox applet list: paths kept, busybox itself and linuxrc left out', () => {
  assert.deepEqual(initrdApplets(parseAppletList('linuxrc\nbin/busybox\nbin/sh\nsbin/modprobe\nusr/bin/[\n')), ['/bin/sh', '/sbin/modprobe', '/usr/bin/[']);
});

test('the base tree has /dev/console as a device record and merged /usr', () => {
  const tree = new RecordTree().addAll(baseTree({ version: '1.2.3', hostname: 'od' }));
  assert.deepEqual(tree.get('dev/console'), { kind: 'charDev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 });
  assert.equal(tree.get('bin')?.kind, 'symlink');
  assert.ok(tree.has('usr/lib/os-release'));
  const osRelease = tree.get('etc/os-release');
  assert.ok(osRelease?.kind === 'file' && 'data' in osRelease.source && osRelease.source.data.toString().includes('VERSION_ID="1.2.3"'));
  const group = tree.get('etc/group');
  assert.ok(group?.kind === 'file' && 'data' in group.source && /^docker:x:\d+:$/m.test(group.source.data.toString()));
});
