// The ISO on the hardware VirtualBox gives a Linux 64-bit VM: BIOS, the ISO as an IDE
// CD-ROM, an Intel PRO/1000 (e1000) on NAT, and a disk labelled DOCKER on AHCI (SATA).
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withVm } from './harness/qemu-vm.ts';
import { isoFromDist, makeDisk, waitForDockerReady, repoConfig, virtualboxLikeMachine } from './harness/fixtures.ts';
import { sh, waitForConsolePrompt } from './harness/storage-checks.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test('the ISO boots as an IDE CD-ROM on VirtualBox-like hardware to the console, with the network up and the DOCKER disk mounted', { timeout: 480_000 }, async (t) => {
  const work = tempDir(t, 'od-iso-cdrom-');
  const iso = await isoFromDist(work);
  const disk = join(work, 'docker.img');
  await makeDisk(disk, { label: 'DOCKER' });
  const config = await repoConfig();
  const started = Date.now();
  await withVm(
    {
      name: 'iso-cdrom',
      firmwareBoot: true,
      qemuArgs: virtualboxLikeMachine(iso, disk),
    },
    async (vm) => {
      // isolinux's menu, mirrored on the serial port, boots the first entry by itself.
      await vm.waitFor('prepare a blank disk /dev/sda as DOCKER', 60_000);
      const cmdline = await vm.waitFor(/Command line: (.*?)\r?\n/, 120_000);
      assert.match(cmdline[1]!, /^BOOT_IMAGE=\/boot\/vmlinuz /);
      assert.ok(cmdline[1]!.includes(config.kernel.cmdline), `the default command line: ${cmdline[1]}`);
      assert.doesNotMatch(cmdline[1]!, /od\.disk\.format/, 'the default entry never formats');

      // Docker ready, or the init reporting that the boot failed (no point waiting on).
      const ready = await waitForDockerReady(vm, 360_000);
      t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after power-on (version ${String(ready.version)})`);

      // The VirtualBox-like devices were found and driven.
      assert.match(vm.serial, /e1000 .*Intel\(R\) PRO\/1000 Network Connection/);
      assert.match(vm.serial, /\[sda\] \d+ 512-byte logical blocks/);
      assert.doesNotMatch(vm.serial, /Kernel panic/);

      // On to the console, with the network up (e1000, DHCP from VirtualBox-like NAT)
      // and the DOCKER disk on AHCI mounted.
      await waitForConsolePrompt(vm, 300_000);
      t.diagnostic(`console prompt ${((Date.now() - started) / 1000).toFixed(1)} s after power-on`);
      const mounted = vm.events().find((e) => e.od === 'disk' && e.status === 'mounted');
      assert.equal(mounted?.device, '/dev/sda', `disk events: ${JSON.stringify(vm.events().filter((e) => e.od === 'disk'))}`);
      const lease = vm.events().find((e) => e.od === 'dhcp');
      assert.deepEqual([lease?.status, lease?.interface, lease?.ip], ['bound', 'eth0', '10.0.2.15']);
      assert.match(await sh(vm, "grep ' /var/lib/docker ' /proc/1/mountinfo"), / - ext4 \/dev\/sda /);
      assert.match(await sh(vm, 'ip -4 addr show eth0'), /inet 10\.0\.2\.15\/24/);
      assert.match(await sh(vm, 'ip route'), /^default via 10\.0\.2\.2 dev eth0/m);
    },
  );
});
