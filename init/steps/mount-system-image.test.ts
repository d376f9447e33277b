import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext, type FakeContext } from '../testing/fake-context.ts';
import { runPlan } from '../runner.ts';
import { MS_NODEV, MS_NOSUID, MS_RDONLY } from '../sys/mount-flags.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { SYSTEM_IMAGE_FSTYPE } from '../../contract/initrd-layout.ts';
import { mountSystemImage, SystemImageError } from './mount-system-image.ts';

/** A root with the image file, its mount point, /proc/filesystems and /dev/loop-control. */
function machine(root: string, options: { image?: boolean; mountPoint?: boolean; filesystems?: string; loopControl?: boolean } = {}): FakeContext {
  const paths = {
    systemImage: join(root, 'usr/lib/only-docker/system.img'),
    systemImageMount: join(root, 'usr/lib/only-docker/system'),
    procFilesystems: join(root, 'filesystems'),
    devDir: join(root, 'dev'),
  };
  mkdirSync(join(root, 'usr/lib/only-docker'), { recursive: true });
  if (options.mountPoint ?? true) mkdirSync(paths.systemImageMount);
  mkdirSync(paths.devDir);
  if (options.image ?? true) writeFileSync(paths.systemImage, Buffer.alloc(4096));
  writeFileSync(paths.procFilesystems, options.filesystems ?? `nodev\tsysfs\nnodev\ttmpfs\n\text4\n\t${SYSTEM_IMAGE_FSTYPE}\n`);
  if (options.loopControl ?? true) writeFileSync(join(paths.devDir, 'loop-control'), '');
  return fakeContext(paths);
}

test('the image is attached to a loop device and mounted read-only on its mount point', async (t) => {
  const ctx = machine(tempDir(t));
  assert.equal(await mountSystemImage.run(ctx), undefined);
  assert.deepEqual(ctx.sys.calls, [
    { name: 'attachLoop', args: [ctx.paths.systemImage, ctx.paths.devDir] },
    { name: 'mount', args: [`${ctx.paths.devDir}/loop0`, ctx.paths.systemImageMount, SYSTEM_IMAGE_FSTYPE, MS_RDONLY | MS_NODEV | MS_NOSUID, ''] },
  ]);
  assert.ok(ctx.lines.some((l) => l.includes(`mounted read-only on ${ctx.paths.systemImageMount} from ${ctx.paths.devDir}/loop0`)));
});

test('the unpacked layout (no image, no mount point) is skipped, and attaches nothing', async (t) => {
  const ctx = machine(tempDir(t), { image: false, mountPoint: false });
  assert.deepEqual(await mountSystemImage.run(ctx), { skipped: `no system image in this initrd (the unpacked layout: no ${ctx.paths.systemImage}, no ${ctx.paths.systemImageMount})` });
  assert.deepEqual(ctx.sys.calls, []);
});

test('a missing image where the mount point (and so the links into it) is says the second segment did not arrive, and attaches nothing', async (t) => {
  const ctx = machine(tempDir(t), { image: false });
  assert.throws(
    () => mountSystemImage.run(ctx),
    (error: Error) => error instanceof SystemImageError && /is missing, though this initrd has its mount point .* second segment did not arrive/.test(error.message),
  );
  assert.deepEqual(ctx.sys.calls, []);
});

test('an image without its mount point is not taken for the unpacked layout: the mount is tried and its failure named', async (t) => {
  const ctx = machine(tempDir(t), { mountPoint: false });
  ctx.sys.failNext('mount', 'ENOENT');
  assert.throws(() => mountSystemImage.run(ctx), (error: Error) => error instanceof SystemImageError && /cannot mount the system image .*: mount\(.*\): ENOENT/.test(error.message));
});


test('a kernel without the filesystem or without loop devices is named before any call', async (t) => {
  const noFs = machine(tempDir(t), { filesystems: 'nodev\ttmpfs\n\text4\n' });
  assert.throws(() => mountSystemImage.run(noFs), new RegExp(`no ${SYSTEM_IMAGE_FSTYPE} in .*filesystems`));
  const noLoop = machine(tempDir(t), { loopControl: false });
  assert.throws(() => mountSystemImage.run(noLoop), /no .*loop-control \(the loop module not loaded\?/);
  assert.deepEqual([...noFs.sys.calls, ...noLoop.sys.calls], []);
});

test('a refused loop device or mount is a SystemImageError with the call as its cause', async (t) => {
  const loopRefused = machine(tempDir(t));
  loopRefused.sys.failNext('attachLoop', 'ENXIO');
  assert.throws(
    () => mountSystemImage.run(loopRefused),
    (error: Error) => error instanceof SystemImageError && /to a loop device: attachLoop\(.*\): ENXIO/.test(error.message) && (error.cause as { code?: string }).code === 'ENXIO',
  );
  const mountRefused = machine(tempDir(t));
  mountRefused.sys.failNext('mount', 'EINVAL');
  assert.throws(() => mountSystemImage.run(mountRefused), /cannot mount the system image .* from .*loop0 on .*: mount\(.*\): EINVAL/);
});

/** The step, then a stand-in for startDockerd, through the runner; with the events it emitted. */
async function bootTo(ctx: FakeContext): Promise<{ result: Awaited<ReturnType<typeof runPlan>>; events: { od?: string; name?: string; status?: string }[] }> {
  const events: { od?: string; name?: string; status?: string }[] = [];
  const result = await runPlan([mountSystemImage, { name: 'startDockerd', required: true, run: () => undefined }], ctx, {
    emit: (event) => events.push(event as (typeof events)[number]),
    info: () => undefined,
    warn: () => undefined,
    now: () => 0,
  });
  return { result, events };
}

test('as a required step, a failure stops the boot with the reason (the emergency shell follows)', async (t) => {
  const { result, events } = await bootTo(machine(tempDir(t), { image: false }));
  assert.equal(result.ok, false);
  assert.equal(result.fatal?.step, 'mountSystemImage');
  assert.match(result.fatal!.message, /step mountSystemImage failed: the system image .* is missing/);
  assert.deepEqual(events.at(-1), { od: 'step', name: 'startDockerd', status: 'skipped', ms: 0 });
});

test('skipped in the unpacked layout, the boot goes on to dockerd', async (t) => {
  const { result, events } = await bootTo(machine(tempDir(t), { image: false, mountPoint: false }));
  assert.equal(result.ok, true);
  assert.deepEqual(
    events.filter((e) => e.od === 'step').map((e) => [e.name, e.status]),
    [
      ['mountSystemImage', 'start'],
      ['mountSystemImage', 'skipped'],
      ['startDockerd', 'start'],
      ['startDockerd', 'done'],
    ],
  );
});
