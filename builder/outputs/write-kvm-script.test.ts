// run.sh is tested by running it with a fake QEMU that records its arguments: the real
// script, its option parsing, the disk creation and the KVM fallback, without a VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { renderKvmScript, shellQuote, writeKvmScript } from './write-kvm-script.ts';
import { findHostTool } from '../sources/host-tools.ts';
import { fakeRelease as release, KVM_TEST_CMDLINE as CMDLINE } from './write-kvm-script-fake-qemu.ts';

async function recordedArgs(log: string): Promise<string[]> {
  return (await readFile(log, 'utf8')).trimEnd().split('\n');
}

/** A TCP server on a free port of localhost (to find a free port, or to occupy one). */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the default command line is written into the script, quoted for bash', () => {
  assert.equal(renderKvmScript("a\nDEFAULT_CMDLINE='x'\nb\n", "od.x='y z'"), "a\nDEFAULT_CMDLINE='od.x='\\''y z'\\'''\nb\n");
  assert.throws(() => renderKvmScript('no line here', 'x'), /DEFAULT_CMDLINE/);
});

test('run.sh with no arguments boots the kernel beside it, creating and attaching a DOCKER disk', { skip: !findHostTool('mkfs.ext4') && 'no mkfs.ext4' }, async () => {
  const { dir, script, log, env } = await release();
  try {
    // A free port for the remote API: the default 2376 may be taken on a build host.
    const port = await freePort();
    const run = await execa(script, ['--remote-port', String(port)], { env, cwd: tmpdir() });
    assert.match(run.stderr, /KVM is not usable \(qemu: error: failed to set MSR 0x10a\); using TCG/);
    assert.match(run.stderr, /quit with Ctrl-a x/);
    const args = await recordedArgs(log);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(after('-accel'), 'tcg,thread=single');
    assert.equal(after('-m'), '2048');
    assert.equal(after('-smp'), '2');
    assert.ok(args.includes('-nographic'), 'serial console on stdio');
    assert.equal(after('-kernel'), join(dir, 'dist', 'vmlinuz'));
    assert.equal(after('-initrd'), join(dir, 'dist', 'initrd.img'));
    assert.equal(after('-append'), `${CMDLINE} od.test od.remote=tls`);
    const disk = join(dir, 'dist', 'kvm', 'docker.img');
    assert.equal(after('-drive'), `file=${disk},format=raw,if=virtio`);
    assert.equal((await stat(disk)).size, 8 * 1024 ** 3, '8G');
    assert.ok((await stat(disk)).blocks * 512 < 512 * 1024 ** 2, 'sparse');
    const label = await execa(findHostTool('e2label') ?? 'e2label', [disk]);
    assert.equal(label.stdout.trim(), 'DOCKER');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh options: memory, cpus, accel, ports, append, another disk, no disk, extra args', async () => {
  const { dir, script, log, env } = await release();
  try {
    await execa(script, ['-m', '1024', '--cpus=4', '--accel', 'tcg', '-p', '8080:80', '--port', 'udp:5353:53', '--append', 'od.debug', '--no-disk', '--no-remote', '--no-ssh', '--', '-vga', 'none'], { env });
    let args = await recordedArgs(log);
    assert.deepEqual(args.slice(0, 6), ['-accel', 'tcg,thread=single', '-m', '1024', '-smp', '4']);
    assert.ok(args.includes('user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53'));
    assert.ok(args.includes(`${CMDLINE} od.test od.debug`));
    assert.ok(!args.includes('-drive'), '--no-disk');
    assert.deepEqual(args.slice(-2), ['-vga', 'none']);
    assert.equal(existsSync(join(dir, 'dist', 'kvm', 'docker.img')), false);

    const other = join(dir, 'other.img');
    await writeFile(other, '');
    await execa(script, ['--disk', other, '--accel', 'kvm', '--no-remote'], { env });
    args = await recordedArgs(log);
    assert.deepEqual(args.slice(0, 4), ['-accel', 'kvm', '-cpu', 'host'], '--accel kvm is obeyed without a probe');
    assert.ok(args.includes(`file=${other},format=raw,if=virtio`), 'an existing disk is attached as it is');

    await writeFile(join(dir, 'dist', 'only-docker.iso'), 'iso');
    await execa(script, ['--iso', '--no-disk', '--accel', 'tcg', '--no-remote'], { env });
    args = await recordedArgs(log);
    assert.equal(args[args.indexOf('-cdrom') + 1], join(dir, 'dist', 'only-docker.iso'));
    assert.ok(!args.includes('-kernel'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh explains what is wrong: bad options, no kernel, no qemu', async () => {
  const { dir, script, env } = await release();
  try {
    const fail = (args: string[], extraEnv: Record<string, string> = {}) => execa(script, args, { env: { ...env, ...extraEnv }, reject: false });
    assert.match((await fail(['--bogus'])).stderr, /unknown option "--bogus"/);
    assert.match((await fail(['--accel', 'xen'])).stderr, /--accel takes kvm, tcg or auto/);
    assert.match((await fail(['-p', '80'])).stderr, /--port takes \[ADDR:\]HOST:GUEST/);
    assert.match((await fail(['--memory'])).stderr, /--memory needs a value/);
    assert.match((await fail(['--remote-port', '70000'])).stderr, /--remote-port takes a TCP port number, not "70000"/);
    assert.match((await fail(['--remote-port', '23x'])).stderr, /--remote-port takes a TCP port number/);
    assert.match((await fail([], { QEMU: 'no-such-qemu' })).stderr, /no-such-qemu not found: install QEMU \(Debian\/Ubuntu: apt-get install qemu-system-x86\)/);
    await rm(join(dir, 'dist', 'initrd.img'));
    const noInitrd = await fail(['--no-disk']);
    assert.equal(noInitrd.exitCode, 1);
    assert.match(noInitrd.stderr, /initrd\.img does not exist: run "make build"/);
    assert.match((await execa(script, ['--help'])).stdout, /-p, --port \[ADDR:\]HOST:GUEST/);
    for (const command of ['start', 'stop', 'status', 'console', 'logs', 'env', 'ssh']) assert.match((await execa(script, ['help'])).stdout, new RegExp(`^  ${command} `, 'm'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh forwards the remote API to localhost with TLS on, and shares the certificate directory', async () => {
  const { dir, script, log, env } = await release();
  try {
    const port = await freePort();
    const run = await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', String(port), '-p', '8080:80', '--append', 'od.debug', '--no-ssh'], { env });
    const args = await recordedArgs(log);
    const certs = join(dir, 'dist', 'kvm', 'certs');
    assert.ok(args.includes(`user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:${port}-:2376`), args.join(' '));
    assert.equal(args[args.indexOf('-append') + 1], `${CMDLINE} od.test od.remote=tls od.debug`, 'before --append, which can still turn it off');
    assert.equal(args[args.indexOf('-virtfs') + 1], `local,path=${certs},mount_tag=odcerts,security_model=none,id=odcerts`);
    assert.equal(statSync(certs).mode & 0o777, 0o700, 'the keys land there: the owner only');
    assert.match(run.stderr, new RegExp(`export DOCKER_HOST=tcp://localhost:${port} DOCKER_CERT_PATH=${certs} DOCKER_TLS_VERIFY=1`));

    // Another directory for the certificates, relative to where run.sh is started.
    await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', String(port), '--certs', 'mine'], { env, cwd: dir });
    const other = await recordedArgs(log);
    assert.equal(other[other.indexOf('-virtfs') + 1], `local,path=${join(dir, 'mine')},mount_tag=odcerts,security_model=none,id=odcerts`);

    await execa(script, ['--no-disk', '--accel', 'tcg', '--no-remote'], { env });
    const none = await recordedArgs(log);
    assert.ok(!none.includes('-virtfs'));
    assert.ok(!none.some((a) => a.includes('2376') || a.includes('od.remote')), none.join(' '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh --config passes the file by fw_cfg, by its absolute path, after checking it', async () => {
  const { dir, script, log, env } = await release();
  try {
    await writeFile(join(dir, 'od.yaml'), 'hostname: box\n');
    await execa(script, ['--no-disk', '--no-remote', '--accel', 'tcg', '--config', 'od.yaml'], { env, cwd: dir });
    let args = await recordedArgs(log);
    assert.equal(args[args.indexOf('-fw_cfg') + 1], `name=opt/org.only-docker/config,file=${join(dir, 'od.yaml')}`);

    // A comma is doubled, as QEMU's option syntax wants.
    await mkdir(join(dir, 'a,b'));
    await writeFile(join(dir, 'a,b', 'c.yaml'), '');
    await execa(script, ['--no-disk', '--no-remote', '--accel', 'tcg', `--config=${join(dir, 'a,b', 'c.yaml')}`], { env });
    args = await recordedArgs(log);
    assert.equal(args[args.indexOf('-fw_cfg') + 1], `name=opt/org.only-docker/config,file=${join(dir, 'a,,b', 'c.yaml')}`);

    await execa(script, ['--no-disk', '--no-remote', '--accel', 'tcg'], { env });
    assert.ok(!(await recordedArgs(log)).includes('-fw_cfg'), 'no --config, no fw_cfg');

    const fail = (args: string[]) => execa(script, ['--no-disk', '--no-remote', '--accel', 'tcg', ...args], { env, cwd: dir, reject: false });
    const missing = await fail(['--config', 'nope.yaml']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /--config: nope\.yaml does not exist/);
    assert.match((await fail(['--config', dir])).stderr, /--config: .* is not a regular file/);
    assert.match((await fail(['--config'])).stderr, /--config needs a value/);
    assert.match((await execa(script, ['--help'])).stdout, /--config FILE .*\n.*fw_cfg as opt\/org\.only-docker\/config/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh --network: a second card on a loopback multicast segment named by a hash, a MAC of its own per VM', async () => {
  const { dir, script, log, env } = await release();
  try {
    const boot = async (disk: string, ...more: string[]) => {
      await writeFile(join(dir, disk), '');
      // --no-ssh: the cards alone, without the SSH port's forward in the first one's options.
      await execa(script, ['--disk', join(dir, disk), '--no-remote', '--no-ssh', '--accel', 'tcg', ...more], { env });
      const args = await recordedArgs(log);
      return { args, netdev: args[args.indexOf('-netdev') + 1], device: args[args.indexOf('-device') + 1], nic: args[args.indexOf('-nic') + 1] };
    };
    const a = await boot('a.img', '--network', 'od-cluster');
    const b = await boot('b.img', '--network=od-cluster');
    // The documented derivation: CRC (POSIX cksum) of the name; group 239.255.X.Y, port 20000 + (CRC >> 16) % 10000.
    const crc = Number((await execa('sh', ['-c', 'printf %s od-cluster | cksum'])).stdout.split(' ')[0]);
    const expected = `socket,id=cluster,mcast=239.255.${(crc >>> 8) & 255}.${crc & 255}:${20000 + ((crc >>> 16) % 10000)},localaddr=127.0.0.1`;
    assert.equal(a.netdev, expected);
    assert.equal(b.netdev, expected, 'the same segment for the same name');
    assert.match(a.device!, /^virtio-net-pci,netdev=cluster,mac=52:54:0d:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.notEqual(a.device, b.device, 'another VM, another MAC');
    assert.equal(a.nic, `user,model=virtio-net-pci,mac=52:54:00:${a.device!.slice(-8)}`, 'the first card has its own MAC too');
    assert.notEqual((await boot('c.img', '--network', 'other')).netdev, expected, 'another name, another segment');
    const none = await boot('a.img');
    assert.ok(!none.args.includes('-netdev') && none.nic === 'user,model=virtio-net-pci', 'no --network: one card, as before');
    const bad = await execa(script, ['--network', 'a b'], { env, reject: false });
    assert.match(bad.stderr, /--network takes letters, digits/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh refuses a remote port that is already taken, saying what to do', async () => {
  const { dir, script, env } = await release();
  const { server, port } = await listening();
  try {
    const run = await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', String(port)], { env, reject: false });
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, new RegExp(`port ${port} on localhost is in use .*--remote-port, or --no-remote`));
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh forwards a localhost port to the console\'s SSH server: the next free from 2222, or --ssh-port, or none', async () => {
  const { dir, script, log, env } = await release();
  const busy = await listening();
  try {
    const remote = String(await freePort());
    const ssh = await freePort();
    const run = await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', remote, '--ssh-port', String(ssh)], { env });
    assert.ok((await recordedArgs(log)).includes(`user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${remote}-:2376,hostfwd=tcp:127.0.0.1:${ssh}-:22`));
    assert.match(run.stderr, new RegExp(`SSH into the console \\(with ssh\\.authorized_keys in the configuration\\): ssh -p ${ssh} root@127\\.0\\.0\\.1`));

    const byDefault = await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', remote], { env });
    const chosen = Number(/ssh -p (\d+) root@/.exec(byDefault.stderr)![1]);
    assert.ok(chosen >= 2222, `${chosen}`);
    assert.ok((await recordedArgs(log)).some((a) => a.endsWith(`,hostfwd=tcp:127.0.0.1:${chosen}-:22`)));

    await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', remote, '--no-ssh'], { env });
    assert.ok(!(await recordedArgs(log)).some((a) => a.includes('-:22')));

    const fail = (args: string[]) => execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', remote, ...args], { env, reject: false });
    assert.match((await fail(['--ssh-port', String(busy.port)])).stderr, new RegExp(`port ${busy.port} on localhost is in use: choose another with --ssh-port, or --no-ssh`));
    assert.match((await fail(['--ssh-port', '70000'])).stderr, /--ssh-port takes a TCP port number, not "70000"/);
    assert.match((await fail(['--ssh-port', remote])).stderr, /is the remote API's port too/);
  } finally {
    busy.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
