import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalUsrPath, linkMergedUsr } from './merged-usr.ts';
import { resolveInRoot } from './root-path.ts';

test('canonicalUsrPath moves the four merged directories under /usr', () => {
  assert.equal(canonicalUsrPath('/lib/x86_64-linux-gnu/libc.so.6'), '/usr/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(canonicalUsrPath('lib64/ld-linux-x86-64.so.2'), '/usr/lib64/ld-linux-x86-64.so.2');
  assert.equal(canonicalUsrPath('/sbin/xtables-nft-multi'), '/usr/sbin/xtables-nft-multi');
  assert.equal(canonicalUsrPath('/usr/bin/dockerd'), '/usr/bin/dockerd');
  assert.equal(canonicalUsrPath('/library/x'), '/library/x');
  assert.equal(canonicalUsrPath('/etc/ssl/certs'), '/etc/ssl/certs');
});

test('resolveInRoot keeps absolute symlinks inside the root', async () => {
  const root = await mkdtemp(join(tmpdir(), 'od-root-'));
  try {
    await mkdir(join(root, 'lib/x86_64-linux-gnu'), { recursive: true });
    await mkdir(join(root, 'lib64'));
    await writeFile(join(root, 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), 'ld');
    await symlink('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(root, 'lib64/ld-linux-x86-64.so.2'));
    await symlink('ld-linux-x86-64.so.2', join(root, 'lib/x86_64-linux-gnu/ld.so'));
    await symlink('loop', join(root, 'loop'));
    assert.equal(await resolveInRoot(root, '/lib64/ld-linux-x86-64.so.2'), '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.equal(await resolveInRoot(root, 'lib/x86_64-linux-gnu/ld.so'), '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.equal(await resolveInRoot(root, '/lib/../lib64/nothing'), undefined);
    assert.equal(await resolveInRoot(root, '/loop'), undefined);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('linkMergedUsr adds the four links, leaving a real directory alone', async () => {
  const root = await mkdtemp(join(tmpdir(), 'od-root-'));
  try {
    await mkdir(join(root, 'usr/lib/modules'), { recursive: true });
    await mkdir(join(root, 'bin'));
    await linkMergedUsr(root);
    assert.equal(await resolveInRoot(root, '/lib/modules'), '/usr/lib/modules');
    assert.equal(await readlink(join(root, 'sbin')), 'usr/sbin');
    assert.equal(await readlink(join(root, 'lib64')), 'usr/lib64');
    assert.ok((await lstat(join(root, 'bin'))).isDirectory());
    await linkMergedUsr(root); // again: nothing to do, no error
  } finally {
    await rm(root, { recursive: true });
  }
});
