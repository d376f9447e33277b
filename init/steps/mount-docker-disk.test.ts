import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext, type FakeContext } from '../testing/fake-context.ts';
import { readAt } from '../storage/block-devices.ts';
import { extSuperblockOf } from '../storage/signatures.ts';
import { blankImage, extImage, MiB } from '../storage/test-images.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { createMountDockerDisk, defaultStorageTools, type StoragePaths, type StorageTools } from './mount-docker-disk.ts';
import { runTool } from '../storage/e2fs-tools.ts';
import { MS_BIND } from '../sys/mount-flags.ts';

/** A sysfs tree and a /dev directory whose device nodes are the image files themselves. */
function machine(root: string, disks: Record<string, string>): StoragePaths {
  const sysClassBlock = join(root, 'sys/class/block');
  const devDir = join(root, 'dev');
  mkdirSync(sysClassBlock, { recursive: true });
  mkdirSync(devDir, { recursive: true });
  let minor = 0;
  for (const [name, image] of Object.entries(disks)) {
    const dir = join(root, 'sys/devices/virtio/block', name);
    mkdirSync(join(dir, 'holders'), { recursive: true });
    const size = readFileSync(image).length;
    writeFileSync(join(dir, 'size'), `${size / 512}\n`);
    writeFileSync(join(dir, 'dev'), `254:${minor}\n`);
    minor += 16;
    writeFileSync(join(dir, 'ro'), '0\n');
    symlinkSync(dir, join(sysClassBlock, name));
    renameSync(image, join(devDir, name));
  }
  writeFileSync(join(root, 'mountinfo'), '22 1 0:20 / / rw - rootfs rootfs rw\n');
  return {
    sysClassBlock,
    devDir,
    mountinfo: join(root, 'mountinfo'),
    dataRoot: join(root, 'var/lib/docker'),
    mtab: join(root, 'mtab'),
    ueventSeqnum: join(root, 'uevent_seqnum'),
    binds: [
      { onDisk: '.only-docker/root', target: join(root, 'root'), mode: 0o700 },
      { onDisk: '.only-docker/log', target: join(root, 'var/log'), mode: 0o755 },
    ],
  };
}

const fastTools: StorageTools = { ...defaultStorageTools, sleep: async () => {} };

function events(ctx: FakeContext) {
  return ctx.lines.filter((l) => l.startsWith('{"od":"disk"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('the disk labelled DOCKER is checked and mounted on the data root, /root and /var/log bound from it', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vda: extImage(join(root, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']) });
  const ctx = fakeContext();
  await createMountDockerDisk(paths, fastTools).run(ctx);
  assert.deepEqual(
    ctx.sys.calls.map((c) => c.args),
    [
      [join(paths.devDir, 'vda'), paths.dataRoot, 'ext4', 0, ''],
      [join(paths.dataRoot, '.only-docker/root'), join(root, 'root'), null, MS_BIND, null],
      [join(paths.dataRoot, '.only-docker/log'), join(root, 'var/log'), null, MS_BIND, null],
    ],
  );
  const [checked, mounted] = events(ctx);
  assert.deepEqual({ ...checked, ms: 0 }, { od: 'disk', status: 'checked', device: join(paths.devDir, 'vda'), result: 'clean', ms: 0 });
  assert.equal(mounted!.status, 'mounted');
  assert.equal(mounted!.device, join(paths.devDir, 'vda'));
  assert.equal(typeof mounted!.ms, 'number');
  assert.deepEqual(ctx.storage, {
    mode: 'disk',
    device: join(paths.devDir, 'vda'),
    devno: '254:0',
    mountPoint: paths.dataRoot,
    binds: [join(root, 'root'), join(root, 'var/log')],
  });
  // The fake mount did nothing, so the directories were made on the data root itself.
  assert.ok(existsSync(join(paths.dataRoot, '.only-docker/root')));
});

test('no disk labelled DOCKER: RAM mode, said on the console', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vda: extImage(join(root, 'data.img'), ['-t', 'ext4', '-L', 'DATA']) });
  const ctx = fakeContext();
  ctx.config.disk = { timeoutMs: 300, format: null, settleMs: 0 };
  await createMountDockerDisk(paths, { ...fastTools, now: (() => { let t = 0; return () => (t += 100); })() }).run(ctx);
  assert.deepEqual(events(ctx), [{ od: 'disk', status: 'ram' }]);
  assert.deepEqual(ctx.sys.calls, []);
  assert.equal(ctx.storage?.mode, 'ram');
  assert.ok(ctx.lines.some((l) => /^init: warning: no disk labelled DOCKER \(waited .* s; disks seen: .*\/vda\): Docker runs from RAM\. /.test(l)), ctx.lines.join('\n'));
});

test('od.disk.format: a blank disk is formatted ext4 labelled DOCKER, then mounted', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vdb: blankImage(join(root, 'blank.img'), 128 * MiB) });
  const ctx = fakeContext();
  ctx.config.disk = { timeoutMs: 1000, format: join(paths.devDir, 'vdb'), settleMs: 1500 };
  await createMountDockerDisk(paths, fastTools).run(ctx);
  assert.deepEqual(events(ctx).map((e) => e.status), ['formatted', 'mounted']);
  assert.equal(extSuperblockOf(readAt(join(paths.devDir, 'vdb'), 0, 4096))?.label, 'DOCKER');
  assert.equal(ctx.sys.calls[0]!.args[0], join(paths.devDir, 'vdb'));
});

test('od.disk.format naming a disk that holds files: refused, untouched, RAM mode', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vdb: extImage(join(root, 'data.img'), ['-t', 'ext4', '-L', 'DATA']) });
  const image = join(paths.devDir, 'vdb');
  const before = createHash('sha256').update(readFileSync(image)).digest('hex');
  const ctx = fakeContext();
  ctx.config.disk = { timeoutMs: 200, format: image, settleMs: 1500 };
  await createMountDockerDisk(paths, { ...fastTools, now: (() => { let t = 0; return () => (t += 100); })() }).run(ctx);
  assert.deepEqual(events(ctx), [
    { od: 'disk', status: 'refused', device: image, reason: `${image} is not formatted: it holds an ext4 filesystem labelled "DATA"; only a blank disk is (first and last MiB and the usual partition starts all zero, no partitions)` },
    { od: 'disk', status: 'ram' },
  ]);
  assert.equal(createHash('sha256').update(readFileSync(image)).digest('hex'), before);
  assert.deepEqual(ctx.sys.calls, []);
});

test('a disk e2fsck cannot repair alone is not mounted; one that fails to mount is reported; both leave RAM mode', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vda: extImage(join(root, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']) });
  const ctx = fakeContext();
  const damaged: StorageTools = { ...fastTools, fsck: async () => ({ code: 4, signal: null, output: ['UNEXPECTED INCONSISTENCY'], ms: 5 }) };
  await createMountDockerDisk(paths, damaged).run(ctx);
  assert.deepEqual(ctx.sys.calls, []);
  assert.deepEqual(events(ctx).map((e) => e.status), ['checked', 'failed', 'ram']);
  assert.match(String(events(ctx)[1]!.error), /could not correct on its own .* e2fsck -f /);

  const ctx2 = fakeContext();
  ctx2.sys.failNext('mount', 'EINVAL');
  await createMountDockerDisk(paths, fastTools).run(ctx2);
  assert.deepEqual(events(ctx2).map((e) => e.status), ['checked', 'failed', 'ram']);
  assert.equal(ctx2.storage?.mode, 'ram');
});

test('a disk whose e2fsck was killed half-way (a shutdown, the OOM killer) is never mounted', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vda: extImage(join(root, 'docker.img'), ['-t', 'ext4', '-L', 'DOCKER']) });
  const ctx = fakeContext();
  // A real process, killed by a signal while it runs, as the shutdown's kill of the
  // remaining processes would end e2fsck.
  const killed: StorageTools = { ...fastTools, fsck: () => runTool('sh', ['-c', 'echo "Pass 1: Checking inodes"; kill -TERM $$']) };
  await createMountDockerDisk(paths, killed).run(ctx);
  assert.deepEqual(ctx.sys.calls, [], 'nothing mounted');
  assert.deepEqual(events(ctx).map((e) => e.status), ['checked', 'failed', 'ram']);
  assert.equal(events(ctx)[0]!.result, 'interrupted');
  assert.match(String(events(ctx)[1]!.error), /e2fsck was killed \(SIGTERM\) before it finished; not mounted/);
  assert.equal(ctx.storage?.mode, 'ram');
});

test('no disk labelled DOCKER and the kernel announces nothing new: the wait ends after od.disk.settle', async (t) => {
  const root = tempDir(t);
  const paths = machine(root, { vda: extImage(join(root, 'data.img'), ['-t', 'ext4', '-L', 'DATA']) });
  writeFileSync(paths.ueventSeqnum, '1234\n');
  const ctx = fakeContext();
  ctx.config.disk = { timeoutMs: 10_000, format: null, settleMs: 1500 };
  let clock = 0;
  await createMountDockerDisk(paths, { ...fastTools, now: () => clock, sleep: async (ms) => void (clock += ms) }).run(ctx);
  assert.equal(ctx.storage?.mode, 'ram');
  assert.ok(clock >= 1500 && clock < 2000, `waited ${clock} ms`);
  assert.ok(ctx.lines.some((l) => /no disk labelled DOCKER \(waited 1\.5 s, until no new disk for 1\.5 s; disks seen: .*\/vda\)/.test(l)), ctx.lines.join('\n'));
});
