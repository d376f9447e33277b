import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { fakeContext } from '../testing/fake-context.ts';
import { startFakeDocker, type FakeDocker } from '../testing/fake-docker.ts';
import { initVersion } from '../version.ts';
import { startTimeSync, TimeClientStartError } from './start-time-sync.ts';

const dhcpImage = `only-docker/dhcp:${initVersion}`;

async function setUp(t: { after(fn: () => unknown): void }, lease?: object) {
  const fake = await startFakeDocker(t);
  fake.images.set(dhcpImage, { Id: 'sha256:d', RepoTags: [] });
  const netStateDir = join(tempDir(t), 'net');
  mkdirSync(netStateDir);
  if (lease) writeFileSync(join(netStateDir, 'lease.json'), JSON.stringify(lease));
  const ctx = fakeContext({ dockerSocket: fake.socketPath, netStateDir });
  return { fake, ctx };
}

/** The ntp container the fake daemon holds, if any. */
function ntpContainer(fake: FakeDocker) {
  return [...fake.containers.values()].find((c) => c.name === 'ntp');
}

function oldClient(fake: FakeDocker): void {
  fake.containers.set('old', { id: 'old', name: 'ntp', spec: { Image: dhcpImage, HostConfig: {} }, running: true, exitCode: 0, logs: Buffer.alloc(0) });
}

const leaseWith = (ntp: string[]) => ({ event: 'bound', interface: 'eth0', ip: '10.0.2.15', ntp });

test('startTimeSync: the lease servers by default; the old client replaced; started, not waited for', async (t) => {
  const { fake, ctx } = await setUp(t, leaseWith(['10.0.2.2']));
  oldClient(fake);
  assert.equal(await startTimeSync.run(ctx), undefined);
  const container = ntpContainer(fake)!;
  assert.notEqual(container.id, 'old');
  assert.equal(container.running, true);
  assert.deepEqual(container.spec.Cmd?.filter((word) => word.startsWith('server ')), ['server 10.0.2.2 iburst']);
  assert.equal(container.spec.Image, dhcpImage);
  assert.deepEqual(
    fake.requests.map((r) => `${r.method} ${r.path.replace(container.id, 'ID')}`),
    ['DELETE /containers/ntp?force=1', 'POST /containers/create?name=ntp', 'POST /containers/ID/start'],
  );
  assert.ok(ctx.lines.includes('{"od":"ntp","status":"started","servers":["10.0.2.2"],"from":"lease"}'), ctx.lines.join('\n'));
  assert.ok(ctx.lines.includes('init: time client started with 10.0.2.2 (from the DHCP lease; `docker logs ntp`)'));
});

test('startTimeSync: configured servers win over the lease', async (t) => {
  const { fake, ctx } = await setUp(t, leaseWith(['10.0.2.2']));
  ctx.config.user.ntp.servers = ['pool.ntp.org', '10.0.2.9'];
  await startTimeSync.run(ctx);
  assert.deepEqual(ntpContainer(fake)!.spec.Cmd?.filter((word) => word.startsWith('server ')), ['server pool.ntp.org iburst', 'server 10.0.2.9 iburst']);
  assert.ok(ctx.lines.includes('{"od":"ntp","status":"started","servers":["pool.ntp.org","10.0.2.9"],"from":"configuration"}'));
});

test('startTimeSync: no servers anywhere is a skip with its reason, and a client from the last boot goes', async (t) => {
  const { fake, ctx } = await setUp(t, leaseWith([]));
  oldClient(fake);
  assert.deepEqual(await startTimeSync.run(ctx), {
    skipped: 'no ntp.servers in the configuration and the DHCP lease of eth0 names no time server: no time client',
  });
  assert.equal(ntpContainer(fake), undefined);

  const noLease = await setUp(t);
  assert.deepEqual(await startTimeSync.run(noLease.ctx), { skipped: 'no ntp.servers in the configuration and no DHCP lease: no time client' });

  const off = await setUp(t, leaseWith(['10.0.2.2']));
  off.ctx.config.user.ntp.servers = [];
  assert.deepEqual(await startTimeSync.run(off.ctx), { skipped: 'ntp.servers is empty in the configuration: no time client' });
  assert.equal(ntpContainer(off.fake), undefined);
});

test('startTimeSync: a lease.json that is no lease is said once and counts as none', async (t) => {
  const { ctx } = await setUp(t, { interface: 'eth0', ip: 'nope' });
  assert.deepEqual(await startTimeSync.run(ctx), { skipped: 'no ntp.servers in the configuration and no DHCP lease: no time client' });
  assert.deepEqual(
    ctx.lines.filter((l) => l.includes('warning')),
    ['init: warning: time servers of the DHCP lease not read: lease.json has no IPv4 address (ip: "nope")'],
  );
});

test('startTimeSync: a client that cannot start (an image without chronyd) is a typed error, and no container is left', async (t) => {
  const { fake, ctx } = await setUp(t, leaseWith(['10.0.2.2']));
  fake.onStart = () => {
    throw new Error('exec: "chronyd": executable file not found in $PATH');
  };
  await assert.rejects(Promise.resolve(startTimeSync.run(ctx)), TimeClientStartError);
  assert.equal(ntpContainer(fake), undefined);
});
