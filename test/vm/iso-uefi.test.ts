// The ISO under UEFI firmware (OVMF): El Torito's EFI entry, the FAT efiboot.img,
// GRUB's EFI program finding the ISO by its marker file and reading its menu.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withVm } from './harness/qemu-vm.ts';
import { isoFromDist, waitForDockerReady, repoConfig } from './harness/fixtures.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';

test('the ISO boots under UEFI (OVMF) as a CD to a Docker daemon that answers', { timeout: 600_000, skip: !existsSync(OVMF_CODE) && 'no OVMF (apt-get install ovmf)' }, async (t) => {
  const work = tempDir(t, 'od-iso-uefi-');
  const iso = await isoFromDist(work);
  // The firmware writes its variables: each boot gets its own copy.
  const vars = join(work, 'OVMF_VARS.fd');
  await copyFile(OVMF_VARS, vars);
  const config = await repoConfig();
  const started = Date.now();
  await withVm(
    {
      name: 'iso-uefi',
      firmwareBoot: true,
      qemuArgs: [
        '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        '-drive', `if=pflash,format=raw,file=${vars}`,
        '-cdrom', iso,
      ],
    },
    async (vm) => {
      // GRUB's menu, also on the serial port.
      await vm.waitFor('prepare a blank disk /dev/sda as DOCKER', 180_000);
      const cmdline = await vm.waitFor(/Command line: (.*?)\r?\n/, 180_000);
      assert.match(cmdline[1]!, /^BOOT_IMAGE=\/boot\/vmlinuz /);
      assert.ok(cmdline[1]!.includes(config.kernel.cmdline), `the default command line: ${cmdline[1]}`);
      // The kernel was started by UEFI firmware, not by a BIOS compatibility module.
      await vm.waitFor(/efi: EFI v[\d.]+ by EDK II/, 60_000);

      // Docker ready, or the init reporting that the boot failed (no point waiting on).
      const ready = await waitForDockerReady(vm, 420_000);
      t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after power-on (version ${String(ready.version)})`);
      assert.doesNotMatch(vm.serial, /Kernel panic/);
    },
  );
});
