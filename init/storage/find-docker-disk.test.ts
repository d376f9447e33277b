import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readAt, type BlockDevice } from './block-devices.ts';
import { findDockerDisk, type DiskScanDeps } from './find-docker-disk.ts';
import { blankImage, extImage, fatImage, isoImage, MiB } from './test-images.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

function dev(name: string, path: string, sizeBytes = 128 * MiB): BlockDevice {
  return { name, path: `/dev/${name}`, devno: `254:${name.charCodeAt(2)}`, partition: false, disk: name, sizeBytes, readOnly: false, partitions: [], holders: [], ...{ _image: path } } as BlockDevice;
}

/**
 * Disks that appear at given times (ms on a simulated clock); reads go to their image
 * files. `now` advances only when the scan sleeps.
 */
function world(appear: Array<[number, BlockDevice & { _image?: string }]>) {
  let clock = 0;
  const notes: string[] = [];
  const images = new Map(appear.map(([, d]) => [d.path, (d as { _image?: string })._image!]));
  const deps: DiskScanDeps = {
    list: () => appear.filter(([at]) => at <= clock).map(([, d]) => d),
    read: (path, offset, length) => readAt(images.get(path)!, offset, length),
    mountedDevnos: () => new Set(),
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    note: (m) => notes.push(m),
  };
  return { deps, notes, clock: () => clock };
}

test('waits for a slow disk labelled DOCKER and takes it as soon as it is there', async (t) => {
  const dir = tempDir(t);
  const docker = dev('vda', extImage(join(dir, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const w = world([[2500, docker]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 10_000, intervalMs: 100 }, w.deps);
  assert.equal(result.kind, 'labelled');
  assert.equal(result.kind === 'labelled' && result.disk.device.name, 'vda');
  assert.equal(result.waitedMs, 2500);
});

test('no disk labelled DOCKER: gives up at the timeout and says which disks it saw', async (t) => {
  const dir = tempDir(t);
  const other = dev('vda', extImage(join(dir, 'data.img'), ['-t', 'ext4', '-L', 'DATA']));
  const w = world([[0, other]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 3000, intervalMs: 100 }, w.deps);
  assert.deepEqual(result, { kind: 'none', waitedMs: 3000, devices: ['/dev/vda'] });
});

test('a config drive labelled cidata is neither the DOCKER disk nor formatted when named', async (t) => {
  const dir = tempDir(t);
  const fat = dev('vdb', fatImage(join(dir, 'cidata.img'), 'CIDATA', { sizeBytes: 128 * MiB, files: { 'user-data': 'x' } }));
  const iso = dev('vdc', isoImage(join(dir, 'cidata.iso'), 'cidata', { 'user-data': 'x' }));
  const w = world([[0, fat], [0, iso]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vdb', timeoutMs: 0 }, w.deps);
  assert.equal(result.kind, 'none');
  assert.match(w.notes.join('\n'), /\/dev\/vdb is not formatted: it holds a FAT filesystem labelled "CIDATA"/);
});

test('timeout 0 looks once', async () => {
  const w = world([]);
  assert.deepEqual(await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 0 }, w.deps), { kind: 'none', waitedMs: 0, devices: [] });
});

test('od.disk.format: a blank disk is chosen for formatting', async (t) => {
  const dir = tempDir(t);
  const blank = dev('vdb', blankImage(join(dir, 'blank.img')));
  const w = world([[400, blank]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vdb', timeoutMs: 10_000 }, w.deps);
  assert.equal(result.kind, 'format');
  assert.equal(result.waitedMs, 400);
});

test('od.disk.format naming a disk that holds files: refused with the reason, never formatted', async (t) => {
  const dir = tempDir(t);
  const data = dev('vdb', extImage(join(dir, 'data.img'), ['-t', 'ext4', '-L', 'PHOTOS']));
  const w = world([[0, data]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vdb', timeoutMs: 1000 }, w.deps);
  assert.equal(result.kind, 'none');
  const refused = '/dev/vdb is not formatted: it holds an ext4 filesystem labelled "PHOTOS"; only a blank disk is (first and last MiB and the usual partition starts all zero, no partitions)';
  assert.equal(result.kind === 'none' && result.refused, refused);
  assert.deepEqual(w.notes, [refused]);
});

test('a disk labelled DOCKER wins over the blank format target, which is left alone', async (t) => {
  const dir = tempDir(t);
  const docker = dev('vda', extImage(join(dir, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const blank = dev('vdb', blankImage(join(dir, 'blank.img')));
  const w = world([[0, blank], [0, docker]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vdb', timeoutMs: 10_000 }, w.deps);
  assert.equal(result.kind, 'labelled');
  assert.equal(result.kind === 'labelled' && result.refused, '/dev/vdb is not formatted: the disk labelled DOCKER (/dev/vda) is used');
});

test('a DOCKER disk and a format target that holds files: the refusal says what the target holds', async (t) => {
  const dir = tempDir(t);
  const docker = dev('vda', extImage(join(dir, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const photos = dev('vdb', extImage(join(dir, 'photos.img'), ['-t', 'ext4', '-L', 'PHOTOS']));
  const w = world([[0, docker], [0, photos]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vdb', timeoutMs: 10_000 }, w.deps);
  assert.ok(result.kind === 'labelled');
  assert.equal(result.refused, '/dev/vdb is not formatted: it holds an ext4 filesystem labelled "PHOTOS"');
  // The format target that is itself the DOCKER disk is no refusal.
  const same = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/vda', timeoutMs: 10_000 }, world([[0, docker]]).deps);
  assert.ok(same.kind === 'labelled' && same.refused === undefined);
});

test('two disks labelled DOCKER: the first by name, the other reported', async (t) => {
  const dir = tempDir(t);
  const a = dev('vda', extImage(join(dir, 'a.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const b = dev('vdb', extImage(join(dir, 'b.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const w = world([[0, a], [0, b]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 10_000 }, w.deps);
  assert.ok(result.kind === 'labelled');
  assert.equal(result.disk.device.name, 'vda');
  assert.deepEqual(result.others.map((o) => o.device.name), ['vdb']);
});

test('a format target that never appears is reported at the timeout; an unreadable disk is noted once', async (t) => {
  const dir = tempDir(t);
  const broken = dev('sda', join(dir, 'missing.img'));
  const w = world([[0, broken]]);
  const result = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/sdb', timeoutMs: 500 }, w.deps);
  assert.equal(result.kind === 'none' && result.refused, '/dev/sdb is not formatted: there is no such disk (none appeared within 0.5 s)');
  assert.equal(w.notes.filter((n) => n.startsWith('/dev/sda cannot be read')).length, 1);
});

test('settling: the wait ends once no device was announced for settleMs, and goes on while they keep coming', async (t) => {
  const dir = tempDir(t);
  const other = dev('vda', extImage(join(dir, 'data.img'), ['-t', 'ext4', '-L', 'DATA']));
  const quiet = world([[0, other]]);
  const settled = await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 10_000, settleMs: 1500, intervalMs: 100 }, { ...quiet.deps, deviceEvents: () => 7 });
  assert.deepEqual(settled, { kind: 'none', waitedMs: 1500, devices: ['/dev/vda'], settled: true });

  // A device announced every second keeps the wait going; a DOCKER disk at 2.5 s is found.
  const docker = dev('vdb', extImage(join(dir, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']));
  const busy = world([[0, other], [2500, docker]]);
  const found = await findDockerDisk(
    { label: 'DOCKER', formatTarget: null, timeoutMs: 10_000, settleMs: 1500, intervalMs: 100 },
    { ...busy.deps, deviceEvents: () => Math.floor(busy.clock() / 1000) },
  );
  assert.equal(found.kind, 'labelled');
  assert.equal(found.waitedMs, 2500);
});

test('settling never cuts short the wait for a format target that has not appeared, nor works without the counter', async (t) => {
  const dir = tempDir(t);
  const other = dev('vda', extImage(join(dir, 'data.img'), ['-t', 'ext4', '-L', 'DATA']));
  const w = world([[0, other]]);
  const target = await findDockerDisk({ label: 'DOCKER', formatTarget: '/dev/sdz', timeoutMs: 4000, settleMs: 1500, intervalMs: 100 }, { ...w.deps, deviceEvents: () => 7 });
  assert.equal(target.kind, 'none');
  assert.equal(target.waitedMs, 4000);
  const w2 = world([[0, other]]);
  const noCounter = await findDockerDisk({ label: 'DOCKER', formatTarget: null, timeoutMs: 3000, settleMs: 1500, intervalMs: 100 }, { ...w2.deps, deviceEvents: () => undefined });
  assert.equal(noCounter.waitedMs, 3000);
});
