import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findConfigDrives, readConfigDrive } from './config-drive-source.ts';
import { ConfigSourceError, ConfigSourceTooLargeError, maxConfigBytes } from './config-source.ts';
import { fakeConfigDrives } from '../../testing/fake-config-drives.ts';
import { extImage, fatImage, isoImage, MiB } from '../../storage/test-images.ts';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../../sys/mount-flags.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

const userData = '#cloud-config\nhostname: from-the-drive\n';
const readOnly = MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC;

test('an ISO 9660 config drive (a CD): mounted read-only as iso9660, user-data read, unmounted', async (t) => {
  const dir = tempDir(t);
  const mountPoint = join(dir, 'mnt');
  const deps = fakeConfigDrives({ sr1: isoImage(join(dir, 'c.iso'), 'cidata', { 'user-data': userData, 'meta-data': '' }) }, mountPoint);
  assert.deepEqual(await readConfigDrive(deps), { found: { source: '/dev/sr1:user-data', text: userData }, notes: [] });
  assert.deepEqual(deps.sys.calls, [
    { name: 'mount', args: ['/dev/sr1', mountPoint, 'iso9660', readOnly, null] },
    { name: 'umount2', args: [mountPoint, 0] },
  ]);
  assert.deepEqual(readdirSync(mountPoint), []);
});

test('a vfat config drive: the label CIDATA in upper case (mkfs.vfat), FAT32 too', async (t) => {
  const dir = tempDir(t);
  for (const fat32 of [false, true]) {
    const deps = fakeConfigDrives({ vdb: fatImage(join(dir, `d-${fat32}.img`), 'CIDATA', { fat32, files: { 'user-data': userData } }) }, join(dir, 'mnt'));
    const read = await readConfigDrive(deps);
    assert.deepEqual(read.found, { source: '/dev/vdb:user-data', text: userData });
    assert.equal(deps.sys.calls[0]!.args[2], 'vfat');
  }
});

test('no config drive: other labels and filesystems are not mounted', async (t) => {
  const dir = tempDir(t);
  const deps = fakeConfigDrives(
    {
      vda: extImage(join(dir, 'docker.img'), ['-t', 'ext4', '-L', 'cidata'], 16 * MiB),
      vdb: fatImage(join(dir, 'f.img'), 'CONFIG', { files: { 'user-data': userData } }),
      sr0: isoImage(join(dir, 'os.iso'), 'ONLY-DOCKER'),
    },
    join(dir, 'mnt'),
  );
  assert.deepEqual(await readConfigDrive(deps), { notes: [] });
  assert.deepEqual(deps.sys.calls, []);
});

test('several config drives: the first in the listed order is read, the others reported', async (t) => {
  const dir = tempDir(t);
  const deps = fakeConfigDrives(
    {
      sr0: isoImage(join(dir, 'a.iso'), 'CIDATA', { 'user-data': 'first' }),
      vdc: fatImage(join(dir, 'b.img'), 'cidata', { files: { 'user-data': 'second' } }),
    },
    join(dir, 'mnt'),
  );
  const read = await readConfigDrive(deps);
  assert.deepEqual(read.found, { source: '/dev/sr0:user-data', text: 'first' });
  assert.deepEqual(read.notes, [
    { source: '/dev/vdc:user-data', message: '/dev/vdc is a config drive too (label "cidata"): not read, only the first one (/dev/sr0) is' },
  ]);
  assert.equal(findConfigDrives(deps.listDevices(), deps.read).length, 2);
});

test('a drive that cannot be mounted, or without user-data: a ConfigSourceError naming the device', async (t) => {
  const dir = tempDir(t);
  const mountPoint = join(dir, 'mnt');
  const iso = isoImage(join(dir, 'c.iso'), 'cidata', { 'user-data': userData });
  const failing = fakeConfigDrives({ sr1: iso }, mountPoint);
  failing.sys.failNext('mount', 'EINVAL');
  await assert.rejects(readConfigDrive(failing), (error: Error) => {
    assert.ok(error instanceof ConfigSourceError);
    assert.equal(error.source, '/dev/sr1:user-data');
    assert.match(error.message, /^\/dev\/sr1:user-data: cannot mount \/dev\/sr1 \(iso9660, read-only\) on .*mnt: .*EINVAL/);
    return true;
  });
  assert.deepEqual(failing.sys.calls.map((call) => call.name), ['mount'], 'nothing to unmount');

  const empty = fakeConfigDrives({ sr1: isoImage(join(dir, 'e.iso'), 'cidata', { 'meta-data': '' }) }, mountPoint);
  await assert.rejects(readConfigDrive(empty), /^ConfigSourceError: \/dev\/sr1:user-data: the config drive \/dev\/sr1 has no user-data file$/);
  assert.equal(empty.sys.calls.at(-1)!.name, 'umount2', 'unmounted after a failed read');

  // An unmount that fails is detached instead.
  const busy = fakeConfigDrives({ sr1: iso }, mountPoint);
  busy.sys.failNext('umount2', 'EBUSY');
  await readConfigDrive(busy);
  assert.deepEqual(busy.sys.calls.at(-1), { name: 'umount2', args: [mountPoint, MNT_DETACH] });
});

test('user-data must be a regular file of at most 1 MiB', async (t) => {
  const dir = tempDir(t);
  const big = fakeConfigDrives({ vdb: fatImage(join(dir, 'big.img'), 'CIDATA', { files: { 'user-data': 'x'.repeat(maxConfigBytes + 10) } }) }, join(dir, 'mnt'));
  await assert.rejects(readConfigDrive(big), (error: Error) => error instanceof ConfigSourceTooLargeError && error.size === maxConfigBytes + 10 && /1048586 bytes, more than the 1048576/.test(error.message));

  const linked = fakeConfigDrives({ sr0: isoImage(join(dir, 'l.iso'), 'cidata', { 'meta-data': '' }) }, join(dir, 'mnt2'));
  const mount = linked.sys.mount;
  linked.sys.mount = (...args) => {
    mount(...args);
    symlinkSync('/etc/passwd', join(args[1], 'user-data'));
  };
  await assert.rejects(readConfigDrive(linked), /\/dev\/sr0:user-data: cannot be read \(.*symbolic link/);
});
