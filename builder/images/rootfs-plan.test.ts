import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LayerEntry } from './layer-entry.ts';
import { mergeRootfs, normalisedFileMode, type ExplicitEntries } from './rootfs-plan.ts';

const bytes = (text: string) => ({ bytes: Buffer.from(text) });
const explicit = (entries: LayerEntry[], stagingSymlinks: string[] = []): ExplicitEntries => ({ entries, dynamicBinaries: [], stagingSymlinks });

describe('mergeRootfs', () => {
  it('stores entries at their /usr spelling behind the merged-/usr links', async () => {
    const tree = await mergeRootfs(
      explicit([{ type: 'file', path: '/bin/busybox', mode: 0o755, content: bytes('bb') }]),
      [],
      [{ type: 'symlink', path: '/sbin/ip', target: '/bin/busybox' }],
    );
    const byPath = new Map(tree.map((e) => [e.path, e]));
    assert.equal(byPath.get('/usr/bin/busybox')?.type, 'file');
    assert.deepEqual(byPath.get('/usr/sbin/ip'), { type: 'symlink', path: '/usr/sbin/ip', target: '/bin/busybox' });
    assert.deepEqual(byPath.get('/lib64'), { type: 'symlink', path: '/lib64', target: 'usr/lib64' });
    assert.equal(byPath.has('/bin/busybox'), false);
  });

  it('refuses two spellings of one named path', async () => {
    await assert.rejects(
      mergeRootfs(
        explicit([
          { type: 'file', path: '/bin/x', mode: 0o755, content: bytes('1') },
          { type: 'file', path: '/usr/bin/x', mode: 0o755, content: bytes('2') },
        ]),
        [],
        [],
      ),
      /declared twice/,
    );
  });

  it('links a library the resolver marks as a copy of another', async () => {
    const tree = await mergeRootfs(explicit([]), [{ sourcePath: '/nonexistent', targetPath: '/lib64/ld-linux-x86-64.so.2', symlinkTo: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' }], []);
    assert.deepEqual(
      tree.find((e) => e.path === '/usr/lib64/ld-linux-x86-64.so.2'),
      { type: 'symlink', path: '/usr/lib64/ld-linux-x86-64.so.2', target: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    );
  });

  it('checks staging symlinks through either spelling', async () => {
    const entries: LayerEntry[] = [
      { type: 'file', path: '/sbin/mke2fs', mode: 0o755, content: bytes('m') },
      { type: 'symlink', path: '/sbin/mkfs.ext4', target: 'mke2fs' },
      { type: 'symlink', path: '/sbin/abs', target: '/usr/sbin/mke2fs' },
    ];
    await mergeRootfs(explicit(entries, ['/sbin/mkfs.ext4', '/sbin/abs']), [], []);
    await assert.rejects(
      mergeRootfs(explicit([...entries, { type: 'symlink', path: '/sbin/gone', target: 'nothing' }], ['/sbin/gone']), [], []),
      /\/usr\/sbin\/gone/,
    );
  });

  it('keeps only the execute bit of file modes', () => {
    assert.equal(normalisedFileMode(0o100700), 0o755);
    assert.equal(normalisedFileMode(0o100600), 0o644);
    assert.equal(normalisedFileMode(0o104755), 0o755);
  });
});
