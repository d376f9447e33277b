import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAtOrBelow, parseMountInfo } from './mountinfo.ts';

const sample = `22 1 0:20 / / rw - rootfs rootfs rw,size=1004k
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
40 22 254:0 / /var/lib/docker rw,relatime - ext4 /dev/vda rw
41 22 254:0 /.only-docker/root /root rw,relatime - ext4 /dev/vda rw
42 22 254:0 /.only-docker/log /var/log rw,relatime - ext4 /dev/vda rw
55 40 0:45 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw,lowerdir=/a:/b
60 22 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw
`;

test('mountinfo lines: device, root inside the filesystem, mount point, type, source', () => {
  const mounts = parseMountInfo(sample);
  assert.equal(mounts.length, 7);
  assert.deepEqual(mounts[3], {
    id: 41,
    parentId: 22,
    devno: '254:0',
    root: '/.only-docker/root',
    mountPoint: '/root',
    options: 'rw,relatime',
    fstype: 'ext4',
    source: '/dev/vda',
  });
  // Optional fields (shared:2) before the separator are skipped.
  assert.equal(mounts[1]!.fstype, 'proc');
  assert.equal(mounts[6]!.mountPoint, '/mnt/with space');
});

test('isAtOrBelow compares whole path components', () => {
  assert.ok(isAtOrBelow('/var/lib/docker', '/var/lib/docker'));
  assert.ok(isAtOrBelow('/var/lib/docker/overlay2/x', '/var/lib/docker'));
  assert.ok(!isAtOrBelow('/var/lib/docker2', '/var/lib/docker'));
  assert.ok(!isAtOrBelow('/var/lib', '/var/lib/docker'));
});
