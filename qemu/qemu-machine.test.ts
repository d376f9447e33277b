import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLine, commandOutput } from './console-command.ts';
import { kernelFault, QemuMachine, qemuArgs, VmTimeoutError, type MachineOptions } from './qemu-machine.ts';

const machine: MachineOptions = { kernel: 'k', initrd: 'real.img', accel: 'tcg', memoryMb: 2048, cpus: 2, append: '' };

test('two initrds boot on the same machine: only -initrd differs', () => {
  const real = qemuArgs(machine, '/tmp/m.sock');
  const reference = qemuArgs({ ...machine, initrd: 'ref.img' }, '/tmp/m.sock');
  assert.deepEqual(
    real.filter((arg, i) => arg !== reference[i]),
    ['real.img'],
  );
  assert.deepEqual(real.slice(0, 2), ['-accel', 'tcg,thread=single']);
  assert.ok(real.includes('user,model=virtio-net-pci'));
  assert.ok(real.includes('unix:/tmp/m.sock,server=on,wait=off'));
  assert.equal(real.at(-1), 'console=ttyS0,115200');
  assert.deepEqual(qemuArgs({ ...machine, accel: 'kvm' }, 's').slice(0, 4), ['-accel', 'kvm', '-cpu', 'host']);
});

test('a firmware boot has no -kernel, and a NIC of its own replaces the default one', () => {
  const args = qemuArgs({ ...machine, firmwareBoot: true, qemuArgs: ['-nic', 'user,model=e1000', '-cdrom', 'x.iso'] }, 's');
  assert.ok(!args.includes('-kernel') && !args.includes('-append'));
  assert.ok(!args.includes('user,model=virtio-net-pci'));
  assert.deepEqual(args.slice(-4), ['-nic', 'user,model=e1000', '-cdrom', 'x.iso']);
  assert.ok(!qemuArgs({ ...machine, network: false }, 's').includes('-nic'));
});

test("a command's output starts after the last echo of the typed line, however the shell wrapped it", () => {
  const marker = '__od_abc12345';
  assert.equal(commandLine('uname', marker), 'uname; echo "__od""_abc12345:$?"\n');
  // Wrapped at 80 columns inside the marker: the second half of the echo is not output.
  assert.equal(commandOutput('uname; echo "__od""_abc1\r\r\n2345:$?"\r\nLinux od 6.1\r\n', marker), 'Linux od 6.1');
  // The prompt and the line drawn again (the init wrote to the console meanwhile).
  const redrawn = '# uname; echo "__od""_abc12345:$?"\r\n{"od":"boot","status":"done"}\r\n# uname; echo "__od""_abc12345:$?"\r\nLinux\r\n';
  assert.equal(commandOutput(redrawn, marker), 'Linux');
  assert.equal(commandOutput('uname; echo "__od""_abc12345:$?"\r\n\r\n', marker), '');
});

// A real shell behind the launcher, echoing each typed line as a terminal would.
const echoingShell = { command: 'sh', args: ['-c', 'while IFS= read -r line; do printf "# %s\\r\\n" "$line"; eval "$line"; done'] };

test('commands typed on the console run and their output and timing come back', async (t) => {
  const vm = QemuMachine.start({ ...machine, launcher: echoingShell });
  t.after(() => vm.stop());
  assert.equal(await vm.run('echo one; echo two', 10_000), 'one\ntwo');
  assert.equal(await vm.run('printf "%s\\n" "$((6 * 7))"', 10_000), '42');
  const at = (await vm.waitFor(/42/, 1000)).index!;
  assert.ok(vm.log.timeAt(at) >= 0 && vm.log.timeAt(at) <= vm.now(), 'the output is stamped with its time since power-on');
  await assert.rejects(vm.waitFor('never printed', 300), VmTimeoutError);
  assert.equal(await vm.until(() => false, 200), false);
  vm.type('exit 3\n');
  assert.equal(await vm.exited, 3);
  assert.equal(vm.running, false);
  await assert.rejects(vm.waitFor('never printed', 10_000), /exited \(code 3\)/, 'a machine that is gone fails a wait at once');
});

test('a QEMU that cannot start ends the boot with the reason in the transcript', async () => {
  const vm = QemuMachine.start(machine, '/nonexistent/qemu-system-x86_64');
  assert.equal(await vm.exited, null);
  assert.match(vm.serial, /cannot run \/nonexistent\/qemu-system-x86_64: .*ENOENT/);
  assert.equal(vm.pid, undefined);
  await vm.stop();
});

test('a kernel panic ends every wait at once, with the panic as the reason', async (t) => {
  const panicking = { command: 'sh', args: ['-c', 'echo "[ 15.8] Kernel panic - not syncing: Fatal exception in interrupt"; exec sleep 30'] };
  const vm = QemuMachine.start({ ...machine, launcher: panicking });
  t.after(() => vm.stop());
  const started = performance.now();
  await assert.rejects(vm.waitFor('never printed', 20_000), /the kernel panicked before/);
  assert.ok(performance.now() - started < 10_000, 'the wait did not sit out its timeout');
  assert.equal(vm.kernelPanicked, true);
  assert.equal(vm.running, true);
});

test("kernelFault: the kernel's own panic with its Oops, never the init's death", () => {
  const oops = [
    '{"od":"step","name":"runDhcp","status":"start"}',
    '[   55.398518] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
    '[   55.400255] RIP: 0010:kmem_cache_free+0x103/0x440',
    '[   55.405680] Kernel panic - not syncing: Fatal exception in interrupt',
  ].join('\n');
  assert.deepEqual(kernelFault(oops), {
    panic: 'Kernel panic - not syncing: Fatal exception in interrupt',
    oops: 'Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
  });
  assert.deepEqual(kernelFault('[ 15.8] Kernel panic - not syncing: Fatal exception'), { panic: 'Kernel panic - not syncing: Fatal exception', oops: null });
  assert.equal(kernelFault('[ 3.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100'), undefined);
  assert.equal(kernelFault('init: boot done'), undefined);
});
