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

const CMDLINE = 'console=tty0 console=ttyS0,115200';

async function release(): Promise<{ dir: string; script: string; log: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'od-runsh-'));
  const dist = join(dir, 'dist');
  await mkdir(dist);
  await writeFile(join(dist, 'vmlinuz'), 'kernel');
  await writeFile(join(dist, 'initrd.img'), 'initrd');
  await writeKvmScript({ outDir: dist, vmlinuz: join(dist, 'vmlinuz'), initrd: join(dist, 'initrd.img'), cmdline: `${CMDLINE} od.test`, version: '0', sourceDateEpoch: 1 });
  // The fake QEMU fails the KVM probe (like these hosts) and records every real call.
  // The probe is told by -S as a word of its own: a temporary path may hold "-S" too.
  const log = join(dir, 'qemu.log');
  const fake = join(dir, 'fake-qemu');
  await writeFile(
    fake,
    `#!/bin/bash\nif [[ " $* " == *" -accel kvm "*" -S "* ]]; then echo "qemu: error: failed to set MSR 0x10a" >&2; exit 134; fi\nprintf '%s\\n' "$@" > ${shellQuote(log)}\n`,
  );
  await chmod(fake, 0o755);
  return { dir, script: join(dist, 'kvm', 'run.sh'), log, env: { QEMU: fake } };
}

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
    assert.equal(after('-accel'), 'tcg');
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
    await execa(script, ['-m', '1024', '--cpus=4', '--accel', 'tcg', '-p', '8080:80', '--port', 'udp:5353:53', '--append', 'od.debug', '--no-disk', '--no-remote', '--', '-vga', 'none'], { env });
    let args = await recordedArgs(log);
    assert.deepEqual(args.slice(0, 6), ['-accel', 'tcg', '-m', '1024', '-smp', '4']);
    assert.ok(args.includes('user,model=virtio-net-pci,hostfwd=tcp::8080-:80,hostfwd=udp::5353-:53'));
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
    assert.match((await fail(['-p', '80'])).stderr, /--port takes HOST:GUEST/);
    assert.match((await fail(['--memory'])).stderr, /--memory needs a value/);
    assert.match((await fail(['--remote-port', '70000'])).stderr, /--remote-port takes a TCP port number, not "70000"/);
    assert.match((await fail(['--remote-port', '23x'])).stderr, /--remote-port takes a TCP port number/);
    assert.match((await fail([], { QEMU: 'no-such-qemu' })).stderr, /no-such-qemu not found: install QEMU \(Debian\/Ubuntu: apt-get install qemu-system-x86\)/);
    await rm(join(dir, 'dist', 'initrd.img'));
    const noInitrd = await fail(['--no-disk']);
    assert.equal(noInitrd.exitCode, 1);
    assert.match(noInitrd.stderr, /initrd\.img does not exist: run "make build"/);
    assert.match((await execa(script, ['--help'])).stdout, /-p, --port HOST:GUEST/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('run.sh forwards the remote API to localhost with TLS on, and shares the certificate directory', async () => {
  const { dir, script, log, env } = await release();
  try {
    const port = await freePort();
    const run = await execa(script, ['--no-disk', '--accel', 'tcg', '--remote-port', String(port), '-p', '8080:80', '--append', 'od.debug'], { env });
    const args = await recordedArgs(log);
    const certs = join(dir, 'dist', 'kvm', 'certs');
    assert.ok(args.includes(`user,model=virtio-net-pci,hostfwd=tcp::8080-:80,hostfwd=tcp:127.0.0.1:${port}-:2376`), args.join(' '));
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
