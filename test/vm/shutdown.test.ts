// Shutdown without a disk: the console comes up and says Docker runs from RAM; a
// container that ignores SIGTERM does not hold the shutdown past od.shutdown.timeout;
// `reboot` typed in the console ends in reboot(2) (QEMU exits: the harness runs it
// with -no-reboot). The other ways to ask (poweroff, the power button, Ctrl-Alt-Del)
// end the boots of storage.test.ts, where a disk is there to be found clean. `halt`
// stops the machine without powering it off: QEMU keeps running, the disk is clean.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuVm } from './harness/qemu-vm.ts';
import { check, diskEvents, fsckImage, imageSuperblock, SBIN_ENV, sh, shutDown, stepOutcomes, waitForConsolePrompt } from './harness/storage-checks.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const graceSeconds = 4;

describe('no disk, od.shutdown.timeout=4: RAM mode, a stubborn container, reboot typed in the console', { timeout: 900_000 }, () => {
  let vm: QemuVm;

  before(async () => {
    // od.disk.timeout=3: no disk is coming, no need to wait the default 10 s for one.
    vm = await QemuVm.bootToInit({ name: 'shutdown-ram', append: `od.shutdown.timeout=${graceSeconds} od.disk.timeout=3` });
    await check(vm, () => waitForConsolePrompt(vm));
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
  });

  it('the console comes up and the console says that Docker runs from RAM', async () => {
    await check(vm, async () => {
      assert.deepEqual(diskEvents(vm), [{ od: 'disk', status: 'ram' }]);
      assert.match(vm.serial, /init: warning: no disk labelled DOCKER \(waited [\d.]+ s(, until no new disk for [\d.]+ s)?; [^)]*\): Docker runs from RAM\. Images, containers, volumes and \/root are lost at power-off\./);
      assert.match(vm.serial, /init: warning: Docker runs from RAM: nothing is kept at power-off/);
      assert.match(await sh(vm, 'docker info --format {{.DockerRootDir}}'), /^\/var\/lib\/docker$/m);
      // Not the disk: the initramfs (dockerd bind-mounts its root on itself there).
      assert.doesNotMatch(await sh(vm, "grep ' /var/lib/docker ' /proc/1/mountinfo || true"), / - ext4 /);
    });
  });

  it(`a container that ignores SIGTERM is killed after ${graceSeconds} s; reboot(2) follows and QEMU exits`, async () => {
    await check(vm, async () => {
      await sh(vm, "docker run -d --name stubborn --entrypoint sh only-docker/console:latest -c 'trap \"\" TERM; while :; do sleep 1; done'", 120_000);
      await sh(vm, 'docker run -d --name polite --entrypoint sleep only-docker/console:latest 100000', 120_000);
      const running = await sh(vm, "docker ps --format '{{.Names}}'");
      assert.match(running, /^stubborn$/m);
      assert.match(running, /^polite$/m);
    });
    const measure = await shutDown(vm, () => vm.type('reboot\n'));
    console.log(`reboot with a stubborn container: ${measure.initMs} ms in the init, ${measure.hostMs} ms until QEMU exited; ${stepOutcomes(measure.events).join(' ')}`);
    assert.deepEqual(measure.events[0], { od: 'shutdown', status: 'start', action: 'reboot', source: 'reboot (SIGTERM)' });
    assert.deepEqual(
      stepOutcomes(measure.events).map((s) => s.split(':')[0]),
      ['stopSupervision', 'stopContainers', 'stopDockerd', 'stopContainerd', 'killRemaining', 'syncFilesystems', 'unmountDisk'],
    );
    assert.ok(stepOutcomes(measure.events).includes('unmountDisk:skipped'));
    const stopContainers = measure.events.find((e) => e.step === 'stopContainers' && e.status !== 'start');
    assert.equal(stopContainers?.status, 'done');
    const ms = Number(stopContainers?.ms);
    assert.ok(ms >= graceSeconds * 1000 - 500 && ms < graceSeconds * 1000 + 3000, `stopContainers took ${ms} ms`);
    assert.match(vm.serial, new RegExp(`init: warning: containers still running after ${graceSeconds} s were killed`));
    // Well under dockerd's own 10 s per container, and under a minute in all.
    assert.ok(measure.initMs < 30_000, `shutdown took ${measure.initMs} ms`);
    assert.match(vm.serial, /reboot: Restarting system/);
  });
});

describe('halt typed in the console: the machine stops, the DOCKER disk is clean', { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'od-halt-'));
  const disk = join(work, 'docker.img');
  let vm: QemuVm;

  before(async () => {
    execFileSync('truncate', ['-s', '4G', disk]);
    execFileSync('mkfs.ext4', ['-q', '-L', 'DOCKER', disk], { env: SBIN_ENV });
    vm = await QemuVm.bootToInit({ name: 'shutdown-halt', qemuArgs: ['-drive', `file=${disk},format=raw,if=virtio`] });
    await check(vm, () => waitForConsolePrompt(vm));
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('halt: shutdown done, reboot(2) with HALT; the disk was unmounted before', async () => {
    await check(vm, async () => {
      await sh(vm, 'echo before-halt > /root/halt.txt');
      vm.type('halt\n');
      await vm.waitFor('reboot: System halted', 120_000);
      const events = vm.events().filter((e) => e.od === 'shutdown');
      assert.deepEqual(events[0], { od: 'shutdown', status: 'start', action: 'halt', source: 'halt (SIGUSR1)' });
      assert.equal(events.at(-1)?.status, 'done');
      console.log(`halt: ${events.at(-1)?.ms} ms in the init; ${stepOutcomes(events).join(' ')}`);
      assert.match(vm.serial, /init: \/dev\/vda unmounted cleanly/);
      // Halted, not powered off: QEMU is still there until it is stopped.
      await sleep(2000);
      assert.equal(vm.running, true);
    });
    await vm.stop();
    const fsck = fsckImage(disk);
    assert.equal(fsck.code, 0, fsck.output);
    assert.equal(imageSuperblock(disk)?.needsRecovery, false);
  });
});
