// run.sh as a local Docker host, with the fake QEMU playing the VM: start in the
// background and its wait for the init's word, the agent turning the init's port lines
// into hostfwd_add/hostfwd_remove on QEMU's monitor (a port in use here is skipped and
// reported), status and its JSON, env, logs, and stop by the power button or, when the
// VM ignores it, by a kill that says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { fakeRelease } from './write-kvm-script-fake-qemu.ts';

/** A TCP server on a free port of localhost: a port in use on this machine. */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('run.sh start, forwarded ports, status, env, logs and stop, with a fake VM', { timeout: 60_000 }, async (t) => {
  const r = await fakeRelease();
  const busy = await listening();
  t.after(async () => {
    busy.server.close();
    await execa(r.script, ['stop', '--name', 't1', '--timeout', '1'], { env, reject: false });
    await rm(r.dir, { recursive: true, force: true });
  });
  const stateRoot = join(r.dir, 'state');
  // No docker CLI on this PATH: the init's word on the port channel is the readiness.
  const env = { ...r.env, PATH: '/usr/bin:/bin', HOME: r.dir, OD_STATE_DIR: stateRoot };
  const state = join(stateRoot, 't1');
  // The remote port of an earlier start is taken now: the next free one is used.
  await mkdir(state, { recursive: true });
  await writeFile(join(state, 'vm.env'), `remote_port=${busy.port}\n`);
  await writeFile(r.fake.guest, 'docker 20.10.24 1.41\nports\n');

  const start = await execa(r.script, ['start', '--name', 't1', '--no-disk', '--accel', 'tcg', '-p', '8080:80', '-p', 'udp:0.0.0.0:5353:53'], { env });
  assert.match(start.stdout, /VM "t1" is up: Docker 20\.10\.24 \(API 1\.41\) answers on 127\.0\.0\.1:(\d+) over TLS/);
  const remotePort = Number(/127\.0\.0\.1:(\d+) over TLS/.exec(start.stdout)![1]);
  assert.ok(remotePort > busy.port, `${remotePort} after the taken ${busy.port}`);
  assert.match(start.stdout, /eval "\$\(.*run\.sh env --name t1\)"/);
  assert.doesNotMatch(start.stdout, /docker --context/, 'no docker CLI: no context');
  const args = (await readFile(r.log, 'utf8')).split('\n');
  const sshPort = Number(/ssh --name t1 .*\(127\.0\.0\.1:(\d+);/.exec(start.stdout)![1]);
  assert.ok(
    args.includes(`user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53,hostfwd=tcp:127.0.0.1:${remotePort}-:2376,hostfwd=tcp:127.0.0.1:${sshPort}-:22`),
    args.join(' '),
  );
  assert.ok(args.includes('virtserialport,chardev=forward0,name=org.only-docker.forward'));
  assert.ok(args.includes('-daemonize') && !args.includes('-nographic'));
  assert.equal(args[args.indexOf('-virtfs') + 1], `local,path=${join(state, 'certs')},mount_tag=odcerts,security_model=none,id=odcerts`);

  // A second start of a running VM changes nothing.
  const again = await execa(r.script, ['start', '--name', 't1'], { env });
  assert.match(again.stderr, /VM "t1" is already running/);

  // The init publishes ports: forwarded on 127.0.0.1, the one in use here skipped.
  await appendFile(r.fake.guest, `ports tcp:18081 tcp:${busy.port} udp:5353\n`);
  const ports = () => readFile(join(state, 'ports'), 'utf8');
  await until(async () => ((await ports()).includes(`tcp 127.0.0.1:${busy.port} ${busy.port} taken`) ? true : undefined), 'the forwards');
  const reported = [18081, busy.port]
    .sort((a, b) => a - b)
    .map((port) => (port === busy.port ? `tcp 127.0.0.1:${port} ${port} taken` : `tcp 127.0.0.1:${port} ${port} forwarded`));
  assert.equal(await ports(), ['tcp 127.0.0.1:8080 80 option', 'udp 0.0.0.0:5353 53 option', ...reported, 'udp 127.0.0.1:5353 5353 forwarded', ''].join('\n'));
  const monitor = await readFile(r.fake.monitorLog, 'utf8');
  assert.match(monitor, /"command-line":"hostfwd_add tcp:127\.0\.0\.1:18081-:18081"/);
  assert.match(monitor, /"command-line":"hostfwd_add udp:127\.0\.0\.1:5353-:5353"/);
  assert.match(await readFile(join(state, 'agent.log'), 'utf8'), new RegExp(`127\\.0\\.0\\.1:${busy.port} \\(tcp\\) is in use on this machine: not forwarded`));

  const status = await execa(r.script, ['status', '--name', 't1'], { env });
  assert.match(status.stdout, /^t1: running \(pid \d+, up \d+s\), Docker 20\.10\.24 \(API 1\.41\), TLS on 127\.0\.0\.1:\d+$/m);
  assert.match(status.stdout, /tcp 127\.0\.0\.1:18081 -> VM port 18081: forwarded while its container runs/);
  assert.match(status.stdout, /NOT forwarded: the port is in use on this machine/);
  const json = JSON.parse((await execa(r.script, ['status', '--name', 't1', '--json'], { env })).stdout) as Record<string, unknown>;
  assert.equal(json.running, true);
  assert.equal(json.docker, '20.10.24');
  assert.equal(json.remotePort, remotePort);
  assert.equal(json.sshPort, sshPort);
  assert.match(status.stdout, new RegExp(`^  ssh: {3}127\\.0\\.0\\.1:${sshPort} \\(run\\.sh ssh --name t1\\)$`, 'm'));
  assert.deepEqual((json.ports as unknown[])[2], { protocol: 'tcp', host: '127.0.0.1', port: 18081, guestPort: 18081, status: 'forwarded' });

  // The container stops: its forward goes.
  await appendFile(r.fake.guest, 'ports udp:5353\n');
  await until(async () => (!(await ports()).includes('18081') ? true : undefined), 'the forward removed');
  assert.match(await readFile(r.fake.monitorLog, 'utf8'), /"command-line":"hostfwd_remove tcp:127\.0\.0\.1:18081"/);

  const exports = (await execa(r.script, ['env', '--name', 't1'], { env })).stdout;
  assert.match(exports, new RegExp(`^export DOCKER_HOST=tcp://127\\.0\\.0\\.1:${remotePort}$`, 'm'));
  assert.match(exports, new RegExp(`^export DOCKER_CERT_PATH=${join(state, 'certs')}$`, 'm'));
  assert.match(exports, /^export DOCKER_TLS_VERIFY=1$/m);
  assert.match((await execa(r.script, ['logs', '--name', 't1'], { env })).stdout, /fake VM: booted/);

  const stop = await execa(r.script, ['stop', '--name', 't1'], { env });
  assert.match(stop.stderr, /pressing the power button of VM "t1"/);
  assert.match(stop.stdout, /VM "t1" powered off cleanly/);
  assert.match(await readFile(r.fake.monitorLog, 'utf8'), /system_powerdown/);
  const stopped = await execa(r.script, ['status', '--name', 't1'], { env, reject: false });
  assert.equal(stopped.exitCode, 1);
  assert.match(stopped.stdout, /^t1: not running$/m);
  // The agent saw QEMU go and withdrew the forwards.
  await until(async () => ((await ports()) === 'tcp 127.0.0.1:8080 80 option\nudp 0.0.0.0:5353 53 option\n' ? true : undefined), 'the forwards gone');
  assert.match((await execa(r.script, ['stop', '--name', 't1'], { env })).stdout, /not running/);

  // The VM restarts on the same remote port (free again), and one that ignores the power button is killed, saying so.
  await writeFile(r.fake.guest, 'docker 20.10.24 1.41\n');
  const second = await execa(r.script, ['start', '--name', 't1', '--no-disk', '--accel', 'tcg'], { env: { ...env, FAKE_IGNORE_POWER: '1' } });
  assert.match(second.stdout, new RegExp(`answers on 127\\.0\\.0\\.1:${remotePort} over TLS`));
  const killed = await execa(r.script, ['stop', '--name', 't1', '--timeout', '1'], { env });
  assert.match(killed.stderr, /did not power off within 1s: killing QEMU/);
});

test('run.sh start --config: passed by fw_cfg, kept in the state for the next start, forgotten with --no-config', { timeout: 60_000 }, async (t) => {
  const r = await fakeRelease();
  const env = { ...r.env, PATH: '/usr/bin:/bin', HOME: r.dir, OD_STATE_DIR: join(r.dir, 'state') };
  t.after(async () => {
    await execa(r.script, ['stop', '--name', 'c1', '--timeout', '1'], { env, reject: false });
    await rm(r.dir, { recursive: true, force: true });
  });
  const config = join(r.dir, 'od.yaml');
  await writeFile(config, 'hostname: box\n');
  await writeFile(r.fake.guest, 'docker 20.10.24 1.41\n');
  const fwCfg = `name=opt/org.only-docker/config,file=${config}`;
  const qemuArgs = async () => (await readFile(r.log, 'utf8')).split('\n');
  const start = (...args: string[]) => execa(r.script, ['start', '--name', 'c1', '--no-disk', '--accel', 'tcg', ...args], { env, cwd: r.dir });
  const stop = () => execa(r.script, ['stop', '--name', 'c1'], { env });

  await start('--config', 'od.yaml');
  assert.equal((await qemuArgs()).at((await qemuArgs()).indexOf('-fw_cfg') + 1), fwCfg);
  assert.match((await execa(r.script, ['status', '--name', 'c1'], { env })).stdout, new RegExp(`^  config: ${config}$`, 'm'));
  assert.equal((JSON.parse((await execa(r.script, ['status', '--name', 'c1', '--json'], { env })).stdout) as { config: string }).config, config);
  await stop();

  await start();
  assert.ok((await qemuArgs()).includes(fwCfg), 'the next start keeps it');
  await stop();

  await rm(config);
  const gone = await start().catch((error: { stderr: string }) => error);
  assert.match(gone.stderr, /the configuration file .*od\.yaml of VM "c1" \(from its last start\) is gone: give --config FILE, or --no-config/);

  await start('--no-config');
  assert.ok(!(await qemuArgs()).includes('-fw_cfg'), '--no-config');
  await stop();
  await start();
  assert.ok(!(await qemuArgs()).includes('-fw_cfg'), 'and forgotten');
});

test('run.sh start --network: kept in the state for the next start, shown by status, forgotten with --no-network', { timeout: 60_000 }, async (t) => {
  const r = await fakeRelease();
  const env = { ...r.env, PATH: '/usr/bin:/bin', HOME: r.dir, OD_STATE_DIR: join(r.dir, 'state') };
  t.after(async () => {
    await execa(r.script, ['stop', '--name', 'n1', '--timeout', '1'], { env, reject: false });
    await rm(r.dir, { recursive: true, force: true });
  });
  await writeFile(r.fake.guest, 'docker 20.10.24 1.41\n');
  const qemuArgs = async () => (await readFile(r.log, 'utf8')).split('\n');
  const start = (...args: string[]) => execa(r.script, ['start', '--name', 'n1', '--no-disk', '--accel', 'tcg', ...args], { env });
  const stop = () => execa(r.script, ['stop', '--name', 'n1'], { env });

  await start('--network', 'seg');
  const first = await qemuArgs();
  const netdev = first[first.indexOf('-netdev') + 1];
  assert.match(netdev!, /^socket,id=cluster,mcast=239\.255\.\d+\.\d+:\d+,localaddr=127\.0\.0\.1$/);
  assert.match((await execa(r.script, ['status', '--name', 'n1'], { env })).stdout, /^  network: seg \(eth1\)$/m);
  assert.equal((JSON.parse((await execa(r.script, ['status', '--name', 'n1', '--json'], { env })).stdout) as { network: string }).network, 'seg');
  await stop();

  await start();
  assert.deepEqual(await qemuArgs(), first, 'the next start keeps the network, and the VM its MACs');
  await stop();

  await start('--no-network');
  assert.ok(!(await qemuArgs()).includes('-netdev'), '--no-network');
  await stop();
  await start();
  assert.ok(!(await qemuArgs()).includes('-netdev'), 'and forgotten');
});

test('run.sh commands explain what is wrong', async () => {
  const r = await fakeRelease();
  try {
    const env = { ...r.env, PATH: '/usr/bin:/bin', HOME: r.dir, OD_STATE_DIR: join(r.dir, 'state') };
    const fail = (args: string[]) => execa(r.script, args, { env, reject: false });
    assert.match((await fail(['env', '--name', 'nope'])).stderr, /there is no VM named "nope" .*start --name nope/);
    assert.match((await fail(['start', '--name', '../x'])).stderr, /--name takes letters, digits/);
    assert.match((await fail(['--name', 't1'])).stderr, /--name is for the commands/);
    assert.match((await fail(['start', '--no-remote'])).stderr, /--no-remote does not go with start/);
    assert.match((await fail(['stop', '--timeout', 'soon'])).stderr, /--timeout takes seconds/);
    // A boot that fails is reported at once, not after the wait for Docker.
    await writeFile(r.fake.guest, '');
    const failed = await execa(r.script, ['start', '--name', 'bad', '--no-disk', '--accel', 'tcg', '--timeout', '30'], { env: { ...env, FAKE_SERIAL: '{"od":"boot","status":"failed","ms":1}' }, reject: false });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /the boot of VM "bad" failed .*emergency shell/);
    assert.match((await execa(r.script, ['stop', '--name', 'bad'], { env })).stdout, /powered off cleanly/);
    const missing = await fail(['status', '--name', 'nope', '--json']);
    assert.equal(missing.exitCode, 1);
    assert.deepEqual(JSON.parse(missing.stdout), { name: 'nope', exists: false, running: false });
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('run.sh ssh: the OpenSSH client on the VM\'s port, its host key kept in the state directory', { timeout: 60_000 }, async (t) => {
  const r = await fakeRelease();
  const stateRoot = join(r.dir, 'state');
  const state = join(stateRoot, 's1');
  // A fake ssh that records its arguments, first on PATH.
  const bin = join(r.dir, 'bin');
  await mkdir(bin);
  const sshArgs = join(r.dir, 'ssh-args');
  await writeFile(join(bin, 'ssh'), `#!/bin/bash\nprintf '%s\\n' "$@" > ${JSON.stringify(sshArgs)}\n`, { mode: 0o755 });
  const env = { ...r.env, PATH: `${bin}:/usr/bin:/bin`, HOME: r.dir, OD_STATE_DIR: stateRoot };
  t.after(async () => {
    await execa(r.script, ['stop', '--name', 's1', '--timeout', '1'], { env, reject: false });
    await rm(r.dir, { recursive: true, force: true });
  });
  assert.match((await execa(r.script, ['ssh', '--name', 's1'], { env, reject: false })).stderr, /there is no VM named "s1"/);

  await writeFile(r.fake.guest, 'docker 20.10.24 1.41\n');
  await mkdir(state, { recursive: true });
  await writeFile(join(state, 'known_hosts'), '[127.0.0.1]:2222 ssh-ed25519 AAAA the last boot\n');
  const start = await execa(r.script, ['start', '--name', 's1', '--no-disk', '--accel', 'tcg'], { env });
  const sshPort = /ssh --name s1 .*\(127\.0\.0\.1:(\d+);/.exec(start.stdout)![1];
  await assert.rejects(readFile(join(state, 'known_hosts')), 'no disk: new host keys at each boot, the old one forgotten');

  await execa(r.script, ['ssh', '--name', 's1', '--', 'docker', 'ps', '-a'], { env });
  assert.deepEqual((await readFile(sshArgs, 'utf8')).trimEnd().split('\n'), [
    '-p',
    sshPort,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${join(state, 'known_hosts')}`,
    'root@127.0.0.1',
    'docker',
    'ps',
    '-a',
  ]);

  // No ssh on this PATH: the package to install is named.
  const tools = join(r.dir, 'tools');
  await mkdir(tools);
  for (const tool of ['bash', 'env', 'dirname', 'basename', 'tr', 'cat']) await symlink(join('/usr/bin', tool), join(tools, tool)).catch(() => symlink(join('/bin', tool), join(tools, tool)));
  const missing = await execa(join(r.dir, 'tools', 'bash'), [r.script, 'ssh', '--name', 's1'], { env: { ...env, PATH: tools }, reject: false });
  assert.match(missing.stderr, /ssh not found: install the OpenSSH client \(Debian\/Ubuntu: apt-get install openssh-client\)/);

  await execa(r.script, ['stop', '--name', 's1'], { env });
  assert.match((await execa(r.script, ['ssh', '--name', 's1'], { env, reject: false })).stderr, /VM "s1" is not running/);
  await execa(r.script, ['start', '--name', 's1', '--no-disk', '--accel', 'tcg', '--no-ssh'], { env });
  assert.match((await execa(r.script, ['ssh', '--name', 's1'], { env, reject: false })).stderr, /VM "s1" was started without an SSH port \(--no-ssh\)/);
});
