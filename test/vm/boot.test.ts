// The walking skeleton: the initrd boots under QEMU TCG to a Docker daemon that answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withVm } from './harness/qemu-vm.ts';

test('the initrd boots to a Docker daemon that answers', { timeout: 300_000 }, async () => {
  await withVm({ name: 'boot' }, async (vm) => {
    const ready = await vm.waitForEvent((e) => e.od === 'docker' && e.status === 'ready', 240_000, 'docker ready');
    assert.match(String(ready.version), /^20\.10\./, "Debian's docker.io 20.10 answers");
    assert.match(String(ready.apiVersion), /^1\.\d+$/);
    // The human line follows the event line: wait for it rather than race it.
    await vm.waitFor(/Docker 20\.10\.\S+ is ready \(API 1\.\d+\)/, 30_000);

    await vm.waitForEvent((e) => e.od === 'step' && e.name === 'startDockerd' && e.status !== 'start', 30_000, 'startDockerd ended');
    const steps = vm.events().filter((e) => e.od === 'step');
    const ended = new Map(steps.filter((e) => e.status !== 'start').map((e) => [e.name, e]));
    for (const name of ['mountPseudoFilesystems', 'readConfig', 'loadModules', 'setHostname', 'loopbackUp', 'startDockerd']) {
      const step = ended.get(name);
      assert.ok(step, `step ${name} ended`);
      assert.equal(step.status, 'done', `step ${name}: ${JSON.stringify(step)}`);
      assert.equal(typeof step.ms, 'number');
    }
    assert.doesNotMatch(vm.serial, /Kernel panic/);
  });
});
