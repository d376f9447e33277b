import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { logFrame, startFakeDocker } from '../testing/fake-docker.ts';
import { initVersion } from '../version.ts';
import { configureNetwork } from './configure-network.ts';
import { loadBundledImages } from './load-bundled-images.ts';
import { parseImageIndex } from '../../contract/image-index.ts';
import { runDhcp } from './run-dhcp.ts';
import { startConsole } from './start-console.ts';
import { startHostShell } from './start-host-shell.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const lease = (ip: string) => JSON.stringify({ event: 'bound', interface: 'eth0', ip, prefix: 24, router: ['10.0.2.2'], dns: ['10.0.2.3'], domain: '', leaseSeconds: 86400 });

function imageDir(dir: string): string {
  const images = join(dir, 'images');
  mkdirSync(images);
  writeFileSync(join(images, 'dhcp.tar'), 'dhcp archive');
  writeFileSync(join(images, 'console.tar'), 'console archive');
  writeFileSync(
    join(images, 'index.json'),
    JSON.stringify([
      { name: 'dhcp', file: 'dhcp.tar', repoTags: ['only-docker/dhcp:1', 'only-docker/dhcp:latest'], imageId: 'sha256:dddddddddddddddd' },
      { name: 'console', file: 'console.tar', repoTags: ['only-docker/console:1'], imageId: 'sha256:cccccccccccccccc' },
    ]),
  );
  return images;
}

test('loadBundledImages loads what is missing and skips what is already there', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  // The console image is on the (persistent) disk already; the DHCP image is not.
  fake.images.set('only-docker/console:1', { Id: 'sha256:cccccccccccccccc', RepoTags: ['only-docker/console:1'] });
  fake.onLoad = (body) => {
    assert.equal(body.toString(), 'dhcp archive');
    for (const tag of ['only-docker/dhcp:1', 'only-docker/dhcp:latest']) fake.images.set(tag, { Id: 'sha256:dddddddddddddddd', RepoTags: [] });
    return { status: 200, body: '{"stream":"Loaded image: only-docker/dhcp:1\\n"}\n' };
  };
  const ctx = fakeContext({ bundledImagesDir: imageDir(dir), dockerSocket: fake.socketPath });
  assert.equal(await loadBundledImages.run(ctx), undefined);
  assert.equal(fake.requests.filter((r) => r.path.startsWith('/images/load')).length, 1);
  assert.match(ctx.lines.find((l) => l.includes('dhcp'))!, /^init: loaded only-docker\/dhcp:1 \(dddddddddddd\) in \d+\.\d s$/);
  assert.ok(ctx.lines.includes('init: only-docker/console:1 (cccccccccccc) is already in the image store; not loaded again'));

  // A second boot on the same disk loads nothing.
  const again = fakeContext({ bundledImagesDir: join(dir, 'images'), dockerSocket: fake.socketPath });
  assert.deepEqual(await loadBundledImages.run(again), { skipped: 'every bundled image is already present' });
});

test('loadBundledImages: a tag that names another image is loaded again; a failure is an error naming the image', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  fake.images.set('only-docker/console:1', { Id: 'sha256:older', RepoTags: [] });
  fake.onLoad = () => ({ status: 200, body: '{"error":"unexpected EOF","errorDetail":{"message":"unexpected EOF"}}\n' });
  const ctx = fakeContext({ bundledImagesDir: imageDir(dir), dockerSocket: fake.socketPath });
  await assert.rejects(Promise.resolve(loadBundledImages.run(ctx)), /2 of 2 bundled images not loaded: dhcp, console/);
  assert.ok(ctx.lines.some((l) => /^init: error: cannot load only-docker\/console:1 from console\.tar: loading .*unexpected EOF$/.test(l)), ctx.lines.join('\n'));
  assert.throws(() => parseImageIndex('{}'), /not a list/);
  assert.deepEqual(await loadBundledImages.run(fakeContext({ bundledImagesDir: join(dir, 'none') })), { skipped: `no ${join(dir, 'none')}/index.json in this initrd` });
});

test('runDhcp starts the DHCP container as documented and reports the first lease', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  const stateDir = join(dir, 'net');
  fake.images.set(`only-docker/dhcp:${initVersion}`, { Id: 'sha256:d', RepoTags: [] });
  // Left by the last boot: removed before the new container starts.
  mkdirSync(stateDir);
  writeFileSync(join(stateDir, 'lease.json'), lease('10.9.9.9'));
  symlinkSync('/etc/passwd', join(stateDir, 'resolv.conf'));
  fake.onStart = (container) => {
    container.running = true;
    assert.equal(existsSync(join(stateDir, 'lease.json')), false, 'stale lease removed first');
    setTimeout(() => writeFileSync(join(stateDir, 'lease.json'), lease('10.0.2.15')), 100);
  };
  const ctx = fakeContext({ dockerSocket: fake.socketPath, netStateDir: stateDir });
  ctx.config.hostname = 'box';
  await runDhcp.run(ctx);
  const create = fake.requests.find((r) => r.path.startsWith('/containers/create'))!;
  assert.equal(create.path, '/containers/create?name=dhcp');
  const body = JSON.parse(create.body.toString());
  assert.equal(body.HostConfig.NetworkMode, 'host');
  assert.deepEqual(body.HostConfig.CapDrop, ['ALL']);
  assert.deepEqual(body.HostConfig.CapAdd, ['NET_ADMIN', 'NET_RAW', 'NET_BIND_SERVICE']);
  assert.deepEqual(body.HostConfig.Binds, [`${stateDir}:${stateDir}`]);
  assert.ok(body.Env.includes('DHCP_HOSTNAME=box'));
  const event = ctx.lines.map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined)).find((e) => e?.od === 'dhcp');
  assert.deepEqual(Object.keys(event), ['od', 'status', 'interface', 'ip', 'ms']);
  assert.equal(event.status, 'bound');
  assert.equal(event.ip, '10.0.2.15');
  assert.match(ctx.lines.at(-1)!, /^init: DHCP on eth0: 10\.0\.2\.15\/24 via 10\.0\.2\.2, DNS 10\.0\.2\.3, lease 86400 s \(\d+\.\d s\)$/);
  // resolv.conf is the init's, from the parsed lease, beside the container's directory:
  // what the container left there (here a link to a host file) is never used.
  assert.equal(readFileSync(join(dir, 'resolv.conf'), 'utf8'), '# written by the only-docker init from the DHCP lease of eth0\nnameserver 10.0.2.3\n');
});

test('runDhcp without an answer: a timeout event, a warning and the client log; the boot goes on', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  fake.images.set(`only-docker/dhcp:${initVersion}`, { Id: 'sha256:d', RepoTags: [] });
  fake.onStart = (container) => {
    container.running = true;
    container.logs = logFrame(2, 'only-docker-dhcp: starting udhcpc on eth0\nudhcpc: sending discover\n');
  };
  const ctx = fakeContext({ dockerSocket: fake.socketPath, netStateDir: join(dir, 'net') });
  ctx.config.net.dhcpTimeoutMs = 300;
  await runDhcp.run(ctx);
  assert.ok(ctx.lines.some((l) => /^\{"od":"dhcp","status":"timeout","interface":"eth0","ms":\d+\}$/.test(l)), ctx.lines.join('\n'));
  assert.ok(ctx.lines.some((l) => l.startsWith('init: warning: no DHCP lease on eth0 within 0.3 s (od.dhcp.timeout)')));
  assert.ok(ctx.lines.includes('init: dhcp: udhcpc: sending discover'));
});

test('runDhcp is skipped with a static address or od.dhcp=off', async () => {
  const ctx = fakeContext();
  ctx.config.net.dhcp = false;
  assert.deepEqual(await runDhcp.run(ctx), { skipped: 'od.dhcp=off: the network is left as it is' });
  ctx.config.net.address = { ip: '10.0.2.15', prefix: 24 };
  assert.deepEqual(await runDhcp.run(ctx), { skipped: 'static address from od.net.address' });
});

test('configureNetwork sets the static address with ip and writes resolv.conf', async (t) => {
  const dir = tempDir(t);
  const sysNet = join(dir, 'sys-class-net');
  mkdirSync(join(sysNet, 'eth0', 'device'), { recursive: true });
  const calls = join(dir, 'calls');
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, `#!/bin/sh\necho "$*" >> ${calls}\n`);
  chmodSync(busybox, 0o755);
  const ctx = fakeContext({ sysClassNet: sysNet, busybox, netStateDir: join(dir, 'net') });
  ctx.config.net.address = { ip: '10.0.2.15', prefix: 24 };
  ctx.config.net.gateway = '10.0.2.2';
  ctx.config.net.dns = ['10.0.2.3'];
  await configureNetwork.run(ctx);
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
    'ip link set dev eth0 up',
    'ip addr flush dev eth0',
    'ip addr add 10.0.2.15/24 broadcast + dev eth0',
    'ip route replace default via 10.0.2.2 dev eth0',
  ]);
  assert.equal(readFileSync(join(dir, 'resolv.conf'), 'utf8'), '# written by the only-docker init from od.net.dns\nnameserver 10.0.2.3\n');
  assert.ok(ctx.lines.some((l) => /^\{"od":"net","status":"configured","interface":"eth0","ip":"10\.0\.2\.15","ms":\d+\}$/.test(l)));
  assert.ok(ctx.lines.includes('init: eth0: static 10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3 (od.net.*; no DHCP)'));
});

test('configureNetwork is skipped without od.net.address, and says gateway/dns alone are ignored', async () => {
  const ctx = fakeContext();
  ctx.config.net.gateway = '10.0.2.2';
  assert.deepEqual(await configureNetwork.run(ctx), { skipped: 'no od.net.address' });
  assert.deepEqual(ctx.lines, ['init: warning: od.net.gateway and od.net.dns apply only with od.net.address; ignored']);
});

test('startConsole skips terminals that do not open, and skips the step when none is left', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'cmdline'), 'console=ttyS0,115200\n');
  const ctx = fakeContext({ procCmdline: join(dir, 'cmdline'), devDir: join(dir, 'dev') });
  assert.deepEqual(await startConsole.run(ctx), { skipped: 'no usable terminal' });
  assert.match(ctx.lines[0]!, /^init: warning: no console on ttyS0: .*dev\/ttyS0: no such device$/);
  ctx.config.console.terminals = [];
  assert.deepEqual(await startConsole.run(ctx), { skipped: 'od.console=none' });
});

test('startHostShell skips a missing tty2 and a tty2 taken by a console', async (t) => {
  const dir = tempDir(t);
  const ctx = fakeContext({ devDir: join(dir, 'dev') });
  const missing = await startHostShell.run(ctx);
  assert.match((missing as { skipped: string }).skipped, /tty2: no such device$/);
  ctx.config.console.terminals = ['ttyS0', 'tty2'];
  assert.deepEqual(await startHostShell.run(ctx), { skipped: 'od.console puts a console container on tty2' });
});
