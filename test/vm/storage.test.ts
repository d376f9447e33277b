// Persistent storage, as a person uses it: a disk labelled DOCKER keeps volumes, built
// and imported images, containers with a restart policy, /root and the logs across a
// poweroff; a disk that holds anything is never formatted, even when od.disk.format
// names it. Two boots under QEMU TCG, each ending with a different shutdown path (typed
// poweroff, the ACPI power button), after which QEMU must exit by itself and e2fsck
// must find the disk clean. A blank disk named by od.disk.format, formatted and used,
// then Ctrl-Alt-Del: iso-format-disk.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { QemuVm } from './harness/qemu-vm.ts';
import {
  catInImage,
  check,
  diskEvents,
  fsckImage,
  imageSuperblock,
  SBIN_ENV,
  sh,
  shutDown,
  stepOutcomes,
  waitForConsolePrompt,
} from './harness/storage-checks.ts';

const work = mkdtempSync(join(tmpdir(), 'od-storage-vm-'));
const dockerDisk = join(work, 'docker.img');
const photosDisk = join(work, 'photos.img');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
let photosBefore = '';

before(() => {
  execFileSync('truncate', ['-s', '8G', dockerDisk]);
  execFileSync('mkfs.ext4', ['-q', '-L', 'DOCKER', dockerDisk], { env: SBIN_ENV });
  // Somebody's disk with a file on it, which od.disk.format will name by mistake.
  const photos = join(work, 'photos');
  mkdirSync(photos);
  writeFileSync(join(photos, 'holiday.txt'), 'a photo of the sea\n');
  execFileSync('truncate', ['-s', '1G', photosDisk]);
  execFileSync('mkfs.ext4', ['-q', '-L', 'PHOTOS', '-d', photos, photosDisk], { env: SBIN_ENV });
  photosBefore = sha256(photosDisk);
});

after(() => rmSync(work, { recursive: true, force: true }));

const virtio = (file: string) => ['-drive', `file=${file},format=raw,if=virtio`];

describe('boot 1: DOCKER disk on virtio, another disk named by od.disk.format; then poweroff typed in the console', { timeout: 900_000 }, () => {
  let vm: QemuVm;
  const started = Date.now();

  before(async () => {
    // vda is the DOCKER disk, vdb somebody's photos.
    vm = await QemuVm.bootToInit({ name: 'storage-1', append: 'od.disk.format=/dev/vdb', qemuArgs: [...virtio(dockerDisk), ...virtio(photosDisk)] });
    await check(vm, () => waitForConsolePrompt(vm));
    console.log(`console prompt ${((Date.now() - started) / 1000).toFixed(1)} s after QEMU started`);
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
  });

  it('mounts the DOCKER disk and refuses to format the disk that holds files', async () => {
    await check(vm, async () => {
      const events = diskEvents(vm);
      const refused = events.find((e) => e.status === 'refused');
      assert.equal(refused?.device, '/dev/vdb');
      assert.match(String(refused?.reason), /^\/dev\/vdb is not formatted: it holds an ext4 filesystem labelled "PHOTOS"/);
      const mounted = events.find((e) => e.status === 'mounted');
      assert.deepEqual(Object.keys(mounted ?? {}), ['od', 'status', 'device', 'ms']);
      assert.equal(mounted?.device, '/dev/vda');
      console.log(`mountDockerDisk: ${JSON.stringify(events)}`);
      assert.ok(!events.some((e) => e.status === 'ram' || e.status === 'formatted'), JSON.stringify(events));
      // /var/lib/docker is the disk; /root and /var/log are on it too.
      const mounts = await sh(vm, "grep -E ' (/var/lib/docker|/root|/var/log) ' /proc/1/mountinfo | cut -d' ' -f3,4,5");
      assert.match(mounts, /^\d+:\d+ \/ \/var\/lib\/docker$/m);
      assert.match(mounts, /^\d+:\d+ \/\.only-docker\/root \/root$/m);
      assert.match(mounts, /^\d+:\d+ \/\.only-docker\/log \/var\/log$/m);
      assert.match(await sh(vm, "docker info --format '{{.DockerRootDir}} {{.Driver}} {{.DriverStatus}}'"), /^\/var\/lib\/docker overlay2 \[\[Backing Filesystem extfs\]/m);
    });
  });

  it('stores what a person would: a volume, a built and an imported image, a container that restarts, a file in /root', async () => {
    await check(vm, async () => {
      await sh(vm, "docker run --rm -v keep:/data --entrypoint sh only-docker/console:latest -c 'echo kept-in-a-volume > /data/file'", 180_000);
      await sh(vm, "mkdir -p /root/img && printf 'FROM only-docker/console:latest\\nRUN echo built-here > /built\\n' > /root/img/Dockerfile", 30_000);
      const build = await sh(vm, 'docker build -t mine/built:1 /root/img 2>&1 | tail -3', 300_000);
      // BuildKit (the buildx plugin is in every console) names the image; the classic builder tagged it.
      assert.match(build, /naming to docker\.io\/mine\/built:1|Successfully tagged mine\/built:1/);
      await sh(vm, "docker run --name exp --entrypoint sh only-docker/console:latest -c 'echo imported-here > /imported' && docker export exp | docker import - mine/imported:1 && docker rm exp", 300_000);
      await sh(vm, 'docker run -d --name keeper --restart unless-stopped --entrypoint sleep only-docker/console:latest 100000', 120_000);
      await sh(vm, 'echo written-in-root > /root/note.txt');
      const images = await sh(vm, "docker images --format '{{.Repository}}:{{.Tag}}'");
      assert.match(images, /^mine\/built:1$/m);
      assert.match(images, /^mine\/imported:1$/m);
    });
  });

  it('poweroff in the console: a clean shutdown, and QEMU exits by itself', async () => {
    const measure = await shutDown(vm, () => vm.type('poweroff\n'));
    console.log(`poweroff: ${measure.initMs} ms in the init, ${measure.hostMs} ms until QEMU exited; ${stepOutcomes(measure.events).join(' ')}`);
    assert.deepEqual(measure.events[0], { od: 'shutdown', status: 'start', action: 'poweroff', source: 'poweroff (SIGUSR2)' });
    assert.ok(stepOutcomes(measure.events).includes('unmountDisk:done'));
    assert.match(vm.serial, /init: \/dev\/vda unmounted cleanly/);
    assert.match(vm.serial, /reboot: Power down/);
  });

  it('e2fsck finds the DOCKER disk clean; the other disk is byte for byte what it was', () => {
    const fsck = fsckImage(dockerDisk);
    assert.equal(fsck.code, 0, fsck.output);
    assert.equal(imageSuperblock(dockerDisk)?.needsRecovery, false);
    assert.equal(sha256(photosDisk), photosBefore);
    assert.equal(catInImage(photosDisk, '/holiday.txt'), 'a photo of the sea\n');
  });
});

describe('boot 2: the same DOCKER disk after the poweroff; then the ACPI power button', { timeout: 900_000 }, () => {
  let vm: QemuVm;

  before(async () => {
    vm = await QemuVm.bootToInit({ name: 'storage-2', qemuArgs: virtio(dockerDisk) });
    await check(vm, () => waitForConsolePrompt(vm));
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
  });

  it('everything stored before the poweroff is there', async () => {
    await check(vm, async () => {
      assert.equal(diskEvents(vm).find((e) => e.status === 'mounted')?.device, '/dev/vda');
      assert.equal(await sh(vm, 'docker run --rm -v keep:/data --entrypoint cat only-docker/console:latest /data/file', 180_000), 'kept-in-a-volume');
      assert.equal(await sh(vm, 'docker run --rm --entrypoint cat mine/built:1 /built', 180_000), 'built-here');
      assert.equal(await sh(vm, 'docker run --rm mine/imported:1 cat /imported', 180_000), 'imported-here');
      assert.equal(await sh(vm, 'cat /root/note.txt'), 'written-in-root');
      // Stopped by dockerd's own shutdown, not by hand: unless-stopped brings it back.
      assert.equal(await sh(vm, "docker inspect -f '{{.State.Running}}' keeper"), 'true');
      // The logs of the first boot are on the disk too.
      assert.match(await sh(vm, 'grep -c "poweroff (SIGUSR2): powering off" /var/lib/docker/.only-docker/log/only-docker-init.log'), /^[1-9]/);
    });
  });

  it('system_powerdown (the ACPI power button): a clean shutdown, and QEMU exits by itself', async () => {
    const measure = await shutDown(vm, () => vm.monitor('system_powerdown'));
    console.log(`power button: ${measure.initMs} ms in the init, ${measure.hostMs} ms until QEMU exited; ${stepOutcomes(measure.events).join(' ')}`);
    assert.equal(measure.events[0]?.action, 'poweroff');
    assert.match(String(measure.events[0]?.source), /^power button/);
    const fsck = fsckImage(dockerDisk);
    assert.equal(fsck.code, 0, fsck.output);
  });
});
