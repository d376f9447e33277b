import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordTree } from '../cpio/record-tree.ts';
import { dir, file, symlink } from '../cpio/records.ts';
import { splitRecords, staysInFirstSegment, SystemImageSplitError, systemImageLinks, systemTreeFor } from './system-image-split.ts';

const data = (text: string) => ({ data: Buffer.from(text) });

function first(): RecordTree {
  return new RecordTree().addAll([symlink('bin', 'usr/bin'), symlink('lib', 'usr/lib'), dir('usr/bin'), file('usr/lib/x86_64-linux-gnu/libc.so.6', data('libc'))]);
}

test('busybox and /etc stay in the first segment; the rest of the packaged files go into the image', () => {
  assert.equal(staysInFirstSegment('/bin/busybox'), true);
  assert.equal(staysInFirstSegment('/etc/mke2fs.conf'), true);
  assert.equal(staysInFirstSegment('/usr/sbin/dockerd'), false);
  assert.equal(staysInFirstSegment('/etcetera'), false);
  const { first: early, system } = splitRecords([file('bin/busybox', data('b')), file('usr/bin/containerd', data('c')), symlink('usr/sbin/iptables', 'xtables-nft-multi')]);
  assert.deepEqual(early.map((r) => r.path), ['bin/busybox']);
  assert.deepEqual(system.map((r) => r.path), ['usr/bin/containerd', 'usr/sbin/iptables']);
});

test('a link per file in a directory the first segment has, one link for a directory it lacks', () => {
  const early = first();
  const system = systemTreeFor(early).addAll([
    file('bin/containerd', data('c')),
    file('lib/x86_64-linux-gnu/libsystemd.so.0', data('s')),
    file('lib/x86_64-linux-gnu/xtables/libxt_mark.so', data('x')),
    file('usr/libexec/docker/cli-plugins/docker-compose', data('compose')),
    file('usr/libexec/docker/cli-plugins/docker-buildx', data('buildx')),
  ]);
  const links = systemImageLinks(early, system, '/usr/lib/only-docker/system');
  assert.deepEqual(
    links.map((l) => `${l.path} -> ${l.target}`),
    [
      'usr/bin/containerd -> ../lib/only-docker/system/usr/bin/containerd',
      'usr/lib/x86_64-linux-gnu/libsystemd.so.0 -> ../only-docker/system/usr/lib/x86_64-linux-gnu/libsystemd.so.0',
      'usr/lib/x86_64-linux-gnu/xtables -> ../only-docker/system/usr/lib/x86_64-linux-gnu/xtables',
      'usr/libexec -> lib/only-docker/system/usr/libexec',
    ],
  );
});

test('a file in both the first segment and the image is refused', () => {
  const early = first();
  const system = systemTreeFor(early).add(file('usr/lib/x86_64-linux-gnu/libc.so.6', data('libc')));
  assert.throws(() => systemImageLinks(early, system, '/usr/lib/only-docker/system'), SystemImageSplitError);
});
