// The same ISO written to a disk (USB stick, raw image): the isohybrid MBR starts
// isolinux from the disk instead of El Torito, BIOS firmware.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, withVm } from './harness/qemu-vm.ts';
import { writeIso } from '../../builder/outputs/write-iso.ts';
import { loadConfig } from '../../builder/config/load-config.ts';
import { projectVersion, REPO_ROOT } from '../../builder/project.ts';

async function isoFromDist(outDir: string): Promise<string> {
  const dist = process.env.OD_TEST_DIST ?? DIST;
  const config = await loadConfig(join(REPO_ROOT, 'only-docker.json'));
  const { path } = await writeIso({
    outDir,
    vmlinuz: join(dist, 'vmlinuz'),
    initrd: join(dist, 'initrd.img'),
    cmdline: config.kernel.cmdline,
    version: projectVersion(),
    sourceDateEpoch: config.sourceDateEpoch,
  });
  return path;
}

test('the ISO used as a raw disk boots (BIOS, isohybrid MBR) to a Docker daemon that answers', { timeout: 480_000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'od-iso-disk-'));
  try {
    const iso = await isoFromDist(work);
    const config = await loadConfig(join(REPO_ROOT, 'only-docker.json'));
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
        const ready = await vm.waitForEvent((e) => (e.od === 'docker' && e.status === 'ready') || (e.od === 'boot' && e.status === 'failed'), 360_000, 'docker ready');
        const failedStep = vm.events().find((e) => e.od === 'step' && e.status === 'failed');
        assert.equal(ready.od, 'docker', `the boot failed before Docker was ready: ${JSON.stringify(failedStep ?? ready)}`);
        t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after power-on (version ${String(ready.version)})`);
        assert.doesNotMatch(vm.serial, /Kernel panic/);
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
