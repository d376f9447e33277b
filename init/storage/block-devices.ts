// Block devices as the kernel lists them in /sys/class/block (whole disks and their
// partitions: vda, vda1, sda, sda1, hda, nvme0n1, nvme0n1p1, md0, dm-0...). The /dev
// node of each comes from devtmpfs, so no udev is involved.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface BlockDevice {
  /** Kernel name: vda, sda1, nvme0n1p2. */
  name: string;
  /** /dev/<name> */
  path: string;
  /** "major:minor", as in /proc/self/mountinfo. */
  devno: string;
  partition: boolean;
  /** The whole disk a partition belongs to; its own name for a whole disk. */
  disk: string;
  sizeBytes: number;
  readOnly: boolean;
  /** Partitions the kernel found on a whole disk (their names). */
  partitions: string[];
  /** Devices built on this one (device-mapper, RAID): in use. */
  holders: string[];
}

/**
 * Never scanned: optical drives (their medium is not a place for Docker, and reading an
 * empty drive fails slowly), floppies (a read without a disk stalls for seconds), and
 * RAM-backed or unconfigured virtual devices.
 */
export const ignoredDeviceName = /^(sr|fd|ram|zram|loop|nbd)\d/;

/**
 * The same, with optical drives looked at: a config drive is most often a CD (lima,
 * clouds, create-vm.sh --config). A drive without a medium has size 0 and is passed by
 * before anything is read from it.
 */
export const ignoredDeviceNameButOptical = /^(fd|ram|zram|loop|nbd)\d/;

function readSysText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Natural order: vda before vdb, sda2 before sda10, nvme0n1 before nvme1n1. */
export function compareDeviceNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The block devices worth looking at, in natural name order, each with its /dev node.
 * A device whose /dev node is not there yet (devtmpfs creates it a moment after the
 * sysfs entry) is left out until the next look.
 */
export function listBlockDevices(sysClassBlock = '/sys/class/block', devDir = '/dev', ignored: RegExp = ignoredDeviceName): BlockDevice[] {
  const devices: BlockDevice[] = [];
  for (const name of listDir(sysClassBlock).sort(compareDeviceNames)) {
    if (ignored.test(name)) continue;
    const sys = join(sysClassBlock, name);
    const sectors = Number(readSysText(join(sys, 'size')) ?? '0');
    // Size in 512-byte units whatever the sector size; 0 = no medium, not configured.
    if (!Number.isFinite(sectors) || sectors <= 0) continue;
    const devno = readSysText(join(sys, 'dev'));
    const path = join(devDir, name);
    if (!devno || !existsSync(path)) continue;
    const partition = existsSync(join(sys, 'partition'));
    const entries = partition ? [] : listDir(sys);
    devices.push({
      name,
      path,
      devno,
      partition,
      disk: partition ? parentDiskName(sysClassBlock, name) : name,
      sizeBytes: sectors * 512,
      readOnly: readSysText(join(sys, 'ro')) === '1',
      partitions: entries.filter((entry) => entry.startsWith(name) && existsSync(join(sys, entry, 'partition'))).sort(compareDeviceNames),
      holders: listDir(join(sys, 'holders')),
    });
  }
  return devices;
}

function parentDiskName(sysClassBlock: string, name: string): string {
  // /sys/class/block/sda1 links to .../block/sda/sda1: the directory above names the disk.
  try {
    const parent = basename(dirname(realpathSync(join(sysClassBlock, name))));
    if (parent !== 'block' && parent !== '') return parent;
  } catch {
    // not a link (a test tree): the name rule below
  }
  // nvme0n1p2 → nvme0n1, mmcblk0p1 → mmcblk0, sda1 → sda, vdb3 → vdb.
  const match = /^(.*\d)p\d+$/.exec(name) ?? /^(.*?)\d+$/.exec(name);
  return match?.[1] ?? name;
}

/** Reads `length` bytes at `offset` of a device (or image file); short at the end of it. */
export function readAt(path: string, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
