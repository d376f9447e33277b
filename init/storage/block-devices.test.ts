import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareDeviceNames, ignoredDeviceNameButOptical, listBlockDevices } from './block-devices.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

/** A /sys/devices-like tree with /sys/class/block links into it, and /dev nodes as files. */
function fakeSys(root: string, devices: Array<{ path: string; size: number; dev: string; ro?: boolean; holders?: string[] }>) {
  const classBlock = join(root, 'class/block');
  const devDir = join(root, 'dev');
  mkdirSync(classBlock, { recursive: true });
  mkdirSync(devDir, { recursive: true });
  for (const d of devices) {
    const dir = join(root, 'devices', d.path);
    const name = d.path.split('/').at(-1)!;
    mkdirSync(join(dir, 'holders'), { recursive: true });
    writeFileSync(join(dir, 'size'), `${d.size}\n`);
    writeFileSync(join(dir, 'dev'), `${d.dev}\n`);
    writeFileSync(join(dir, 'ro'), d.ro ? '1\n' : '0\n');
    for (const holder of d.holders ?? []) mkdirSync(join(dir, 'holders', holder));
    if (d.path.split('/').length > 3) writeFileSync(join(dir, 'partition'), '1\n');
    symlinkSync(dir, join(classBlock, name));
    writeFileSync(join(devDir, name), '');
  }
  return { classBlock, devDir };
}

test('whole disks and partitions from sysfs, natural order, ignored kinds left out', (t) => {
  const root = tempDir(t);
  const { classBlock, devDir } = fakeSys(root, [
    { path: 'pci/block/vdb', size: 2048, dev: '254:16' },
    { path: 'pci/block/vda', size: 4096, dev: '254:0' },
    { path: 'pci/block/vda/vda1', size: 2000, dev: '254:1' },
    { path: 'pci/block/vda/vda10', size: 10, dev: '254:10' },
    { path: 'pci/block/vda/vda2', size: 20, dev: '254:2', ro: true },
    { path: 'nvme/block/nvme0n1', size: 100, dev: '259:0', holders: ['dm-0'] },
    { path: 'nvme/block/nvme0n1/nvme0n1p1', size: 50, dev: '259:1' },
    { path: 'ata/block/sr0', size: 1000, dev: '11:0' },
    { path: 'virtual/block/loop0', size: 0, dev: '7:0' },
    { path: 'virtual/block/ram0', size: 8192, dev: '1:0' },
  ]);
  const devices = listBlockDevices(classBlock, devDir);
  assert.deepEqual(
    devices.map((d) => d.name),
    ['nvme0n1', 'nvme0n1p1', 'vda', 'vda1', 'vda2', 'vda10', 'vdb'],
  );
  const vda = devices.find((d) => d.name === 'vda')!;
  assert.deepEqual(vda, {
    name: 'vda',
    path: join(devDir, 'vda'),
    devno: '254:0',
    partition: false,
    disk: 'vda',
    sizeBytes: 4096 * 512,
    readOnly: false,
    partitions: ['vda1', 'vda2', 'vda10'],
    holders: [],
  });
  const p1 = devices.find((d) => d.name === 'nvme0n1p1')!;
  assert.equal(p1.partition, true);
  assert.equal(p1.disk, 'nvme0n1');
  assert.equal(devices.find((d) => d.name === 'vda2')!.readOnly, true);
  assert.deepEqual(devices.find((d) => d.name === 'nvme0n1')!.holders, ['dm-0']);
  // Where a config drive is looked for: the CD too.
  assert.deepEqual(
    listBlockDevices(classBlock, devDir, ignoredDeviceNameButOptical).map((d) => d.name),
    ['nvme0n1', 'nvme0n1p1', 'sr0', 'vda', 'vda1', 'vda2', 'vda10', 'vdb'],
  );
});

test('a device whose /dev node is not there yet is left for the next look', (t) => {
  const root = tempDir(t);
  const { classBlock } = fakeSys(root, [{ path: 'pci/block/sda', size: 4096, dev: '8:0' }]);
  assert.deepEqual(listBlockDevices(classBlock, join(root, 'no-dev')), []);
  assert.deepEqual(listBlockDevices(join(root, 'no-sys'), join(root, 'dev')), []);
});

test('natural name order', () => {
  assert.deepEqual(['sdb', 'sda10', 'sda2', 'hda', 'sda'].sort(compareDeviceNames), ['hda', 'sda', 'sda2', 'sda10', 'sdb']);
});
