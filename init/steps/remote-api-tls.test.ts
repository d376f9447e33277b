import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeContext, type FakeContext } from '../testing/fake-context.ts';
import { bootPlan } from '../plan.ts';
import { prepareTls, refreshTls } from './remote-api-tls.ts';
import { createCertificate } from '../tls/certificates.ts';
import { inspectCertificate } from '../tls/inspect.ts';
import { machineAddresses } from '../tls/addresses.ts';
import type { DockerdSupervisor } from '../dockerd/dockerd-supervisor.ts';

// The test directory lies on "/": as the initramfs (RAM mode), or as a disk.
const ramMounts = '1 1 0:2 / / rw - rootfs rootfs rw\n';
const diskMounts = '1 1 254:0 / / rw - ext4 /dev/vda rw\n';

function setup(t: { after(fn: () => void): void }, mounts = diskMounts): { ctx: FakeContext; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'od-tls-step-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'mountinfo'), mounts);
  const ctx = fakeContext({
    tlsDir: join(dir, 'tls'),
    procSelfMountinfo: join(dir, 'mountinfo'),
    virtio9pDriver: join(dir, 'no-9p'),
    certShareMount: join(dir, 'share'),
  });
  ctx.config.remote.tls = true;
  return { ctx, dir };
}

const events = (ctx: FakeContext) => ctx.lines.filter((l) => l.startsWith('{"od":"tls"')).map((l) => JSON.parse(l) as Record<string, unknown>);

test('off by default: nothing is made', async (t) => {
  const { ctx } = setup(t);
  ctx.config.remote.tls = false;
  assert.deepEqual(await prepareTls.run(ctx), { skipped: 'the remote API is off (od.remote=tls turns it on)' });
  assert.equal(ctx.tls, undefined);
  assert.deepEqual(await refreshTls.run(ctx), { skipped: 'the remote API is off' });
});

test('RAM mode: certificates made, the console told they are new at every boot', async (t) => {
  const { ctx } = setup(t, ramMounts);
  await prepareTls.run(ctx);
  assert.equal(ctx.tls?.persistent, false);
  const [ready] = events(ctx);
  assert.deepEqual(Object.keys(ready!), ['od', 'status', 'persistent', 'regenerated', 'ms']);
  assert.equal(ready!.status, 'ready');
  assert.equal(ready!.persistent, false);
  assert.equal(ready!.regenerated, true);
  assert.ok(ctx.lines.some((l) => /warning: no DOCKER disk: .*NEW AT EVERY BOOT/.test(l)), ctx.lines.join('\n'));
});

test('a second boot on the disk reuses everything and reports regenerated false', async (t) => {
  const { ctx } = setup(t);
  await prepareTls.run(ctx);
  assert.equal(ctx.tls?.persistent, true);
  const client = readFileSync(ctx.tls!.layout.client.cert, 'utf8');
  ctx.lines.length = 0;
  await prepareTls.run(ctx);
  assert.deepEqual(events(ctx).map((e) => [e.status, e.persistent, e.regenerated]), [['ready', true, false]]);
  assert.equal(readFileSync(ctx.tls!.layout.client.cert, 'utf8'), client);
  assert.ok(!ctx.lines.some((l) => l.includes('NEW AT EVERY BOOT')));
});

/** A supervisor stand-in that records planned restarts. */
function fakeDockerd(ctx: FakeContext): { restarts: string[] } {
  const restarts: string[] = [];
  ctx.dockerdSupervisor = {
    restartEnabled: true,
    async restart(reason: string) {
      restarts.push(reason);
      return { attempt: 1, total: 1, handle: {} };
    },
  } as unknown as DockerdSupervisor;
  return { restarts };
}

test('after the network: nothing to do while the certificate names every address', async (t) => {
  const { ctx } = setup(t);
  await prepareTls.run(ctx);
  const { restarts } = fakeDockerd(ctx);
  ctx.lines.length = 0;
  assert.equal(await refreshTls.run(ctx), undefined);
  assert.deepEqual(restarts, []);
  assert.deepEqual(events(ctx), []);
  assert.ok(ctx.lines.some((l) => l.includes('names every address of the machine')));
});

const hostHasAddress = machineAddresses().some((a) => a !== '127.0.0.1' && a !== '0:0:0:0:0:0:0:1');

test('after the network: a new address gets a new server certificate and a dockerd restart', { skip: !hostHasAddress && 'this host has only loopback' }, async (t) => {
  const { ctx } = setup(t);
  await prepareTls.run(ctx);
  const layout = ctx.tls!.layout;
  // The certificate of a boot before the lease: loopback only.
  writeFileSync(
    layout.server.cert,
    await createCertificate({
      kind: 'server',
      commonName: 'only-docker',
      keyPem: readFileSync(layout.server.key, 'utf8'),
      issuer: { certPem: readFileSync(layout.ca.cert, 'utf8'), keyPem: readFileSync(layout.ca.key, 'utf8') },
      names: ['only-docker', 'localhost', '127.0.0.1', '::1'],
      notBefore: new Date(Date.now() - 1000),
      notAfter: new Date(Date.now() + 100 * 86_400_000),
    }),
  );
  const client = readFileSync(layout.client.cert, 'utf8');
  const { restarts } = fakeDockerd(ctx);
  ctx.lines.length = 0;
  await refreshTls.run(ctx);
  assert.equal(restarts.length, 1);
  assert.match(restarts[0]!, /^new server certificate: server: does not name /);
  const [renewed] = events(ctx);
  assert.equal(renewed?.status, 'renewed');
  assert.match(String(renewed?.reason), /^server: does not name /);
  const names = inspectCertificate(readFileSync(layout.server.cert, 'utf8'))!.names;
  for (const address of machineAddresses()) assert.ok(names.has(address), address);
  assert.equal(readFileSync(layout.client.cert, 'utf8'), client, 'the client certificate stays');
});

test('after the network, without a supervised dockerd: the new certificate waits for its next start, and the console says so', async (t) => {
  const { ctx } = setup(t);
  await prepareTls.run(ctx);
  const layout = ctx.tls!.layout;
  // A certificate that lacks the host name: it must be replaced.
  writeFileSync(
    layout.server.cert,
    await createCertificate({ kind: 'server', commonName: 'only-docker', keyPem: readFileSync(layout.server.key, 'utf8'), issuer: { certPem: readFileSync(layout.ca.cert, 'utf8'), keyPem: readFileSync(layout.ca.key, 'utf8') }, names: ['localhost'], notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 100 * 86_400_000) }),
  );
  await refreshTls.run(ctx);
  assert.ok(ctx.lines.includes('init: warning: dockerd is not supervised: it serves the new certificate from its next start'), ctx.lines.join('\n'));
});

test('the certificates are copied to run.sh\'s share when there is one', async (t) => {
  const { ctx, dir } = setup(t);
  ctx.paths.virtio9pDriver = join(dir, '9p');
  mkdirSync(join(dir, '9p', 'virtio3'), { recursive: true });
  writeFileSync(join(dir, '9p', 'virtio3', 'mount_tag'), 'odcerts');
  await prepareTls.run(ctx);
  assert.equal(readFileSync(join(ctx.paths.certShareMount, 'cert.pem'), 'utf8'), readFileSync(ctx.tls!.layout.client.cert, 'utf8'));
  assert.deepEqual(ctx.sys.calls.map((c) => c.name), ['mount', 'umount2']);
});

test('plan: prepareTls after the disk and before dockerd; refreshTls after the network and before the console', () => {
  const at = (name: string) => bootPlan.findIndex((s) => s.name === name);
  assert.ok(at('prepareTls') >= 0 && at('prepareTls') < at('startDockerd'));
  if (at('mountDockerDisk') >= 0) assert.ok(at('mountDockerDisk') < at('prepareTls'), 'the certificates live on the disk');
  for (const network of ['configureNetwork', 'runDhcp']) if (at(network) >= 0) assert.ok(at(network) < at('refreshTls'), network);
  assert.ok(at('refreshTls') < at('startConsole'));
});
