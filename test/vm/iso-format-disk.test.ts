// The ISO's second boot entry on a VM with a blank SATA disk (a new VirtualBox VM):
// picked from the menu over the serial port, it boots with od.disk.format=/dev/sda,
// and the init formats the blank disk as ext4 labelled DOCKER.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVm } from './harness/qemu-vm.ts';
import { isoFromDist, makeDisk, diskLabel, waitForDockerReady } from './harness/fixtures.ts';

// The init's side (od.disk.format) is another piece of work: until it lands, this test
// runs and reports, but does not fail the suite. Remove `todo` when it does.
const INIT_FORMATS_DISKS = false;

test('the boot entry "prepare a blank disk /dev/sda as DOCKER" formats a blank SATA disk', { timeout: 480_000, todo: !INIT_FORMATS_DISKS && 'the init does not implement od.disk.format yet' }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'od-iso-format-'));
  try {
    const iso = await isoFromDist(work);
    const disk = join(work, 'blank.img');
    await makeDisk(disk);
    const started = Date.now();
    await withVm(
      {
        name: 'iso-format-disk',
        firmwareBoot: true,
        qemuArgs: [
          '-nic', 'user,model=e1000',
          '-device', 'ahci,id=ahci',
          '-drive', `if=none,id=d0,file=${disk},format=raw`,
          '-device', 'ide-hd,drive=d0,bus=ahci.0',
          '-cdrom', iso,
          '-boot', 'd',
        ],
      },
      async (vm) => {
        await vm.waitFor('Automatic boot in', 60_000);
        // Down to the second entry, then Enter, typed on the serial port.
        vm.type('\x1b[B');
        await new Promise((resolve) => setTimeout(resolve, 500));
        vm.type('\r');
        const cmdline = await vm.waitFor(/Command line: (.*?)\r?\n/, 120_000);
        assert.match(cmdline[1]!, / od\.disk\.format=\/dev\/sda( |$)/);

        const ready = await waitForDockerReady(vm, 360_000);
        t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after power-on`);
      },
    );
    // After the VM is gone: the disk holds an ext4 filesystem labelled DOCKER.
    assert.equal(await diskLabel(disk), 'DOCKER', 'the blank disk was formatted and labelled');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
