import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountOf, persistenceOf } from './persistence.ts';
import { parseMountInfo } from '../storage/mountinfo.ts';

const ramMode = `1 1 0:2 / / rw - rootfs rootfs rw,size=1003560k,nr_inodes=250890
14 1 0:5 / /dev rw,nosuid,relatime - devtmpfs devtmpfs rw,size=1003564k
20 1 0:20 / /run rw,nosuid,nodev - tmpfs tmpfs rw,mode=755
`;
const diskMode = `${ramMode}31 1 254:0 / /var/lib/docker rw,relatime - ext4 /dev/vda rw
40 31 0:40 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw
`;
const tls = '/var/lib/docker/.only-docker/tls';

test('RAM mode: the certificates are in the initramfs and do not survive a reboot', () => {
  assert.deepEqual(persistenceOf(tls, ramMode), { persistent: false, where: 'the initramfs (rootfs)' });
  assert.equal(persistenceOf('/run/x', ramMode).persistent, false);
});

test('with the DOCKER disk on /var/lib/docker they do', () => {
  assert.deepEqual(persistenceOf(tls, diskMode), { persistent: true, where: '/dev/vda on /var/lib/docker (ext4)' });
  // /var/lib/dockerX is not inside /var/lib/docker.
  assert.equal(persistenceOf('/var/lib/dockerX/tls', diskMode).persistent, false);
});

test('mountinfo escapes and the longest mount point', () => {
  const mounts = parseMountInfo('1 1 0:2 / / rw - rootfs rootfs rw\n2 1 8:1 / /mnt/my\\040disk rw shared:1 - ext4 /dev/sda1 rw\nbroken line\n');
  assert.deepEqual(mounts.map((m) => m.mountPoint), ['/', '/mnt/my disk']);
  assert.equal(mountOf('/mnt/my disk/x', mounts)?.source, '/dev/sda1');
  assert.equal(mountOf('/etc', mounts)?.fstype, 'rootfs');
});
