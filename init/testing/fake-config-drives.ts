// Config drives for unit tests, without root: block devices backed by real image files
// (made by mformat or xorriso), read through their image, and a fake Sys whose mount
// copies the image's files into the mount point (mcopy, xorriso -osirrox) and whose
// umount2 takes them away again, so the whole path runs as it does in the VM.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BlockDevice } from '../storage/block-devices.ts';
import { readAt } from '../storage/block-devices.ts';
import type { ConfigDriveDeps } from '../config/user-config-sources/config-drive-source.ts';
import { fakeSys, type FakeSys } from './fake-sys.ts';

export function imageDevice(name: string, sizeBytes = 64 * 1024 * 1024): BlockDevice {
  return { name, path: `/dev/${name}`, devno: `8:${name.length}`, partition: false, disk: name, sizeBytes, readOnly: name.startsWith('sr'), partitions: [], holders: [] };
}

/** Deps for readConfigDrive over `images` (device name → image file), mounting on `mountPoint`. */
export function fakeConfigDrives(images: Record<string, string>, mountPoint: string): Required<ConfigDriveDeps> & { sys: FakeSys } {
  const sys = fakeSys();
  const imageOf = (path: string) => images[path.replace(/^\/dev\//, '')]!;
  const recordMount = sys.mount;
  const recordUmount = sys.umount2;
  sys.mount = (source, target, fstype, flags, data) => {
    recordMount(source, target, fstype, flags, data);
    const image = imageOf(source!);
    if (fstype === 'vfat') execFileSync('mcopy', ['-s', '-i', image, '::*', `${target}/`], { stdio: 'ignore' });
    else execFileSync('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', target], { stdio: 'ignore' });
  };
  sys.umount2 = (target, flags) => {
    recordUmount(target, flags);
    for (const entry of readdirSync(target)) rmSync(join(target, entry), { recursive: true, force: true });
  };
  mkdirSync(mountPoint, { recursive: true });
  return {
    sys,
    listDevices: () => Object.keys(images).map((name) => imageDevice(name)),
    read: (path, offset, length) => readAt(imageOf(path), offset, length),
    mountPoint,
  };
}
