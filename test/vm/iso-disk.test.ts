// The same ISO written to a disk (USB stick, raw image): the isohybrid MBR starts
// isolinux from the disk instead of El Torito, BIOS firmware.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withVm } from './harness/qemu-vm.ts';
import { isoFromDist, waitForDockerReady, repoConfig } from './harness/fixtures.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test('the ISO used as a raw disk boots (BIOS, isohybrid MBR) to a Docker daemon that answers', { timeout: 480_000 }, async (t) => {
  const work = tempDir(t, 'od-iso-disk-');
  const iso = await isoFromDist(work);
  const config = await repoConfig();
  const started = Date.now();
  await withVm(
    {
      name: 'iso-disk',
      firmwareBoot: true,
      // snapshot=on: the guest's writes never reach the image.
      qemuArgs: ['-drive', `file=${iso},format=raw,if=virtio,snapshot=on`, '-boot', 'c'],
    },
    async (vm) => {
      await vm.waitFor('ISOLINUX', 60_000);
      const cmdline = await vm.waitFor(/Command line: (.*?)\r?\n/, 120_000);
      assert.match(cmdline[1]!, /^BOOT_IMAGE=\/boot\/vmlinuz /);
      assert.ok(cmdline[1]!.includes(config.kernel.cmdline), `the default command line: ${cmdline[1]}`);
      // The firmware booted the hard disk, not a CD: there is no CD drive at all.
      assert.doesNotMatch(vm.serial, /Booting from DVD\/CD/);

      // Docker ready, or the init reporting that the boot failed (no point waiting on).
      const ready = await waitForDockerReady(vm, 360_000);
      t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after power-on (version ${String(ready.version)})`);
      assert.doesNotMatch(vm.serial, /Kernel panic/);
    },
  );
});
