import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootConsole, textSink } from '../../console.ts';
import { parseMountInfo } from '../../storage/mountinfo.ts';
import { MNT_DETACH, MS_RDONLY, MS_REMOUNT } from '../../sys/mount-flags.ts';
import { fakeSys } from '../../testing/fake-sys.ts';
import type { ShutdownContext } from '../shutdown-context.ts';
import { mountsToUnmount, unmountOne } from './unmount-disk.ts';

test('the disk, its binds and what is mounted below it, innermost and newest first', () => {
  const mounts = parseMountInfo(
    [
      '22 1 0:20 / / rw - rootfs rootfs rw',
      '30 22 0:25 / /run rw - tmpfs tmpfs rw',
      '40 22 254:0 / /var/lib/docker rw - ext4 /dev/vda rw',
      '41 22 254:0 /.only-docker/root /root rw - ext4 /dev/vda rw',
      '42 22 254:0 /.only-docker/log /var/log rw - ext4 /dev/vda rw',
      '55 40 0:45 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw',
      '56 40 0:46 / /var/lib/docker/containers/abc/mounts/shm rw - tmpfs shm rw',
      '60 30 0:4 net:[4026532] /run/docker/netns/abc rw - nsfs nsfs rw',
    ].join('\n'),
  );
  assert.deepEqual(
    mountsToUnmount(mounts, '254:0', '/var/lib/docker').map((m) => m.mountPoint),
    ['/var/lib/docker/containers/abc/mounts/shm', '/var/lib/docker/overlay2/abc/merged', '/var/log', '/root', '/var/lib/docker'],
  );
});

test('busy: remounted read-only (so the filesystem is clean) and detached', () => {
  const sys = fakeSys();
  const ctx = { sys, console: new BootConsole(textSink(() => {})) } as unknown as ShutdownContext;
  sys.failNext('umount2', 'EBUSY');
  assert.deepEqual(unmountOne(ctx, '/var/lib/docker'), { target: '/var/lib/docker', how: 'read-only, detached', busy: 'umount2(/var/lib/docker): EBUSY' });
  assert.deepEqual(sys.calls, [
    { name: 'umount2', args: ['/var/lib/docker', 0] },
    { name: 'mount', args: [null, '/var/lib/docker', null, MS_REMOUNT | MS_RDONLY, null] },
    { name: 'umount2', args: ['/var/lib/docker', MNT_DETACH] },
  ]);

  const sys2 = fakeSys();
  sys2.failNext('umount2', 'EBUSY');
  sys2.failNext('mount', 'EBUSY');
  const outcome = unmountOne({ sys: sys2 } as unknown as ShutdownContext, '/root');
  assert.equal(outcome.how, 'detached');
  const sys3 = fakeSys();
  sys3.failNext('umount2', 'EINVAL');
  assert.deepEqual(unmountOne({ sys: sys3 } as unknown as ShutdownContext, '/x'), { target: '/x', how: 'failed', error: 'umount2(/x): EINVAL' });
});
