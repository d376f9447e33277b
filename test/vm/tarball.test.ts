// The release bundle, unpacked in an empty directory, boots with its own
// ./dist/kvm/run.sh and nothing else from the repository: run.sh finds the kernel
// beside itself, creates and attaches the DOCKER disk, and falls back to TCG.
// OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { check, withVm } from './harness/qemu-vm.ts';
import { waitForDockerReady, repoConfig, outputInputsFor } from './harness/fixtures.ts';
import { sh, waitForConsolePrompt } from './harness/storage-checks.ts';
import { writeKvmScript } from '../../builder/outputs/write-kvm-script.ts';
import { writeVirtualboxScript } from '../../builder/outputs/write-virtualbox-script.ts';
import { writeTarball } from '../../builder/outputs/write-tarball.ts';

test('the release tarball unpacked anywhere boots with ./dist/kvm/run.sh to the console, on the command line run.sh gives', { timeout: 480_000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'od-tarball-'));
  try {
    const config = await repoConfig();
    const inputs = await outputInputsFor(join(work, 'out'));
    await writeKvmScript(inputs);
    await writeVirtualboxScript(inputs);
    const tarball = await writeTarball(inputs);

    const unpacked = join(work, 'elsewhere');
    await execa('mkdir', [unpacked]);
    await execa('tar', ['-xzf', tarball.path, '-C', unpacked]);
    const started = Date.now();
    await withVm(
      {
        name: 'tarball',
        // PATH without the repository's tools: only the system's (qemu, mkfs.ext4).
        launcher: { command: './dist/kvm/run.sh', args: ['--accel', 'tcg'], cwd: unpacked, env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: work } },
      },
      async (vm) => {
        await vm.waitFor('quit with Ctrl-a x', 30_000);

        // Docker ready, or the init reporting that the boot failed (no point waiting on).
        const ready = await waitForDockerReady(vm, 360_000);
        t.diagnostic(`docker ready ${((Date.now() - started) / 1000).toFixed(1)} s after run.sh started (version ${String(ready.version)})`);
        await check(vm, async () => {
          await waitForConsolePrompt(vm, 300_000);
          // Asked of the running system, not read off the kernel's first lines: QEMU drops
          // serial bytes when its stdout pipe is full for a moment, and those come fast.
          // run.sh adds od.remote=tls (its remote API on localhost, on by default).
          assert.equal(await sh(vm, 'cat /proc/cmdline'), `${config.kernel.cmdline} od.remote=tls`, 'run.sh boots the default command line');
        });

        // The disk run.sh created on first run: sparse, 8 GiB, labelled DOCKER, attached as virtio.
        const disk = join(unpacked, 'dist', 'kvm', 'docker.img');
        assert.equal((await stat(disk)).size, 8 * 1024 ** 3);
        assert.equal((await execa('/sbin/e2label', [disk])).stdout.trim(), 'DOCKER');
        assert.match(vm.serial, /virtio_blk virtio\d+: \[vda\] 16777216 512-byte logical blocks/);
        const mounted = vm.events().find((e) => e.od === 'step' && e.name === 'mountDockerDisk' && e.status !== 'start');
        if (mounted) assert.equal(mounted.status, 'done', `mountDockerDisk: ${JSON.stringify(mounted)}`);
        assert.doesNotMatch(vm.serial, /Kernel panic/);
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
