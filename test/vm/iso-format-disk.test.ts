// The ISO's second boot entry on a VM with a blank SATA disk (a new VirtualBox VM):
// picked from the menu over the serial port, it boots with od.disk.format=/dev/sda; the
// init formats the blank disk as ext4 labelled DOCKER and Docker keeps its data there.
// Then Ctrl-Alt-Del: a clean reboot (QEMU exits under -no-reboot) and e2fsck finds
// the new disk clean. One boot.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { check, QemuVm } from './harness/qemu-vm.ts';
import { diskLabel, isoFromDist, makeDisk, virtualboxLikeMachine } from './harness/fixtures.ts';
import { diskEvents, fsckImage, sh, shutDown, stepOutcomes, waitForConsolePrompt } from './harness/storage-checks.ts';
import { withTempDir } from '../helpers/temp-dir.ts';
import { setTimeout as sleep } from 'node:timers/promises';

test('the boot entry "prepare a blank disk /dev/sda as DOCKER" formats a blank SATA disk, which Docker uses; Ctrl-Alt-Del leaves it clean', { timeout: 600_000 }, async (t) => {
  await withTempDir('od-iso-format-', async (work) => {
    const iso = await isoFromDist(work);
    const disk = join(work, 'blank.img');
    await makeDisk(disk);
    const started = Date.now();
    // The menu's second entry is picked before the kernel starts: down, then Enter, typed
    // on the serial port.
    const pickSecondEntry = async (vm: QemuVm) => {
      await vm.waitFor('Automatic boot in', 60_000);
      vm.type('\x1b[B');
      await sleep(500);
      vm.type('\r');
    };
    const vm = await QemuVm.bootToInit({ name: 'iso-format-disk', firmwareBoot: true, qemuArgs: virtualboxLikeMachine(iso, disk) }, pickSecondEntry);
    try {
      await check(vm, async () => {
        const cmdline = await vm.waitFor(/Command line: (.*?)\r?\n/, 120_000);
        assert.match(cmdline[1]!, / od\.disk\.format=\/dev\/sda( |$)/);

        await waitForConsolePrompt(vm, 360_000);
        t.diagnostic(`console prompt ${((Date.now() - started) / 1000).toFixed(1)} s after power-on`);
        const events = diskEvents(vm);
        assert.deepEqual(events.map((e) => e.status), ['formatted', 'mounted'], JSON.stringify(events));
        assert.equal(events[0]?.device, '/dev/sda');
        t.diagnostic(`format and mount: ${JSON.stringify(events)}`);
        await sh(vm, "docker run --rm -v fresh:/d only-docker/console:latest sh -c 'echo on-the-new-disk > /d/f'", 180_000);
        assert.match(await sh(vm, "grep ' /var/lib/docker ' /proc/1/mountinfo"), / - ext4 \/dev\/sda /);
      });

      const measure = await shutDown(vm, () => vm.monitor('sendkey ctrl-alt-delete'));
      t.diagnostic(`Ctrl-Alt-Del: ${measure.initMs} ms in the init, ${measure.hostMs} ms until QEMU exited; ${stepOutcomes(measure.events).join(' ')}`);
      assert.deepEqual(measure.events[0], { od: 'shutdown', status: 'start', action: 'reboot', source: 'Ctrl-Alt-Del (SIGINT)' });
      assert.match(vm.serial, /reboot: Restarting system/);
    } finally {
      vm.keepLog();
      await vm.stop();
    }
    // After the VM is gone: the disk holds a clean ext4 filesystem labelled DOCKER.
    assert.equal(await diskLabel(disk), 'DOCKER', 'the blank disk was formatted and labelled');
    const fsck = fsckImage(disk);
    assert.equal(fsck.code, 0, fsck.output);
  });
});
