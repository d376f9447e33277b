import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventLines } from '../../contract/events.ts';
import { fakeContext, type FakeContext } from '../testing/fake-context.ts';
import { startFakeDocker, type FakeDocker } from '../testing/fake-docker.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { joinSwarm } from './join-swarm.ts';
import type { SwarmConfig } from '../config/swarm-options.ts';
import { swarmModules } from '../swarm/swarm-modules.ts';
import { JoinRetrier } from '../swarm/join-retrier.ts';

/** A context whose kernel has every swarm module loaded, talking to the fake daemon. */
function context(t: Parameters<typeof tempDir>[0], fake: FakeDocker, swarm: Omit<SwarmConfig, 'notes'> | null): FakeContext {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'modules'), swarmModules.map((m) => `${m.name} 1 0 - Live 0x0`).join('\n'));
  mkdirSync(join(dir, 'sys-module'));
  const ctx = fakeContext({ dockerSocket: fake.socketPath, procModules: join(dir, 'modules'), sysModule: join(dir, 'sys-module') });
  ctx.config.swarm = swarm && { ...swarm, notes: [] };
  return ctx;
}

const events = (ctx: FakeContext) => parseEventLines(ctx.lines.join('\n')).filter((e) => e.od === 'swarm');
const posted = (fake: FakeDocker, path: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => JSON.parse(r.body.toString()) as unknown);

test('joinSwarm is skipped without a swarm in the configuration', async (t) => {
  const fake = await startFakeDocker(t);
  assert.deepEqual(await joinSwarm.run(context(t, fake, null)), { skipped: 'no swarm in the configuration' });
  assert.equal(fake.requests.length, 0);
});

test('init: a new swarm advertised on the configured interface, and nothing at the next boot', async (t) => {
  const fake = await startFakeDocker(t);
  const ctx = context(t, fake, { init: true, advertise: 'eth1' });
  assert.equal(await joinSwarm.run(ctx), undefined);
  assert.deepEqual(posted(fake, '/swarm/init'), [{ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'eth1' }]);
  assert.deepEqual(events(ctx).map(({ ms, ...e }) => e), [{ od: 'swarm', status: 'active', role: 'manager', nodeId: 'node-manager-1', how: 'initialized' }]);
  assert.ok(ctx.lines.includes('init: swarm: started a swarm: node node-manager-1, manager'), ctx.lines.join('\n'));
  assert.ok(!ctx.lines.some((l) => l.includes('kernel modules missing')));

  // The disk kept the swarm: the next boot only says so.
  const again = context(t, fake, { init: true });
  await joinSwarm.run(again);
  assert.equal(posted(fake, '/swarm/init').length, 1);
  assert.equal(events(again)[0]?.how, 'member');
  assert.ok(again.lines.includes('init: swarm: already in a swarm: node node-manager-1, manager'));
});

test('init without advertise uses od.net.interface; a refused init fails the step with a failed event', async (t) => {
  const fake = await startFakeDocker(t);
  fake.onSwarmInit = () => ({ status: 400, body: { message: 'advertise address must be a non-zero IP address' } });
  const ctx = context(t, fake, { init: true });
  ctx.config.net.interface = 'ens3';
  await assert.rejects(Promise.resolve(joinSwarm.run(ctx)), /docker swarm init: POST \/swarm\/init: 400 advertise address must be/);
  assert.deepEqual(posted(fake, '/swarm/init'), [{ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'ens3' }]);
  assert.equal(events(ctx)[0]?.status, 'failed');
  assert.equal(ctx.supervised, undefined, 'no retrier for a refused start');
});

test('join: the manager address and token; labels-only configurations just report the membership', async (t) => {
  const fake = await startFakeDocker(t);
  const ctx = context(t, fake, { join: { address: '10.9.0.11:2377', token: 'SWMTKN-1-x' }, advertise: 'eth1' });
  await joinSwarm.run(ctx);
  assert.deepEqual(posted(fake, '/swarm/join'), [{ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'eth1', RemoteAddrs: ['10.9.0.11:2377'], JoinToken: 'SWMTKN-1-x' }]);
  assert.deepEqual(events(ctx).map(({ ms, ...e }) => e), [{ od: 'swarm', status: 'active', role: 'worker', nodeId: 'node-worker-1', how: 'joined' }]);

  const labelsOnly = context(t, fake, { labels: { zone: 'a' } });
  assert.deepEqual(await joinSwarm.run(labelsOnly), { skipped: 'swarm: neither init nor join in the configuration' });
  assert.equal(events(labelsOnly)[0]?.how, 'member');
});

test('join: "already part of a swarm" from Docker is a membership, not an error', async (t) => {
  const fake = await startFakeDocker(t);
  // The join of an earlier attempt ended just as this one was sent.
  fake.onSwarmJoin = () => {
    fake.swarm = { LocalNodeState: 'active', NodeID: 'w2', ControlAvailable: false };
    return { status: 503, body: { message: 'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.' } };
  };
  const ctx = context(t, fake, { join: { address: '10.9.0.11:2377', token: 't' } });
  await joinSwarm.run(ctx);
  assert.deepEqual(events(ctx).map(({ ms, ...e }) => e), [{ od: 'swarm', status: 'active', role: 'worker', nodeId: 'w2', how: 'joined' }]);
});

test('join: an unreachable manager does not hold up the boot: joining is reported and a retrier, stopped by the shutdown, goes on', async (t) => {
  const fake = await startFakeDocker(t);
  fake.onSwarmJoin = () => ({ status: 503, body: { message: 'Timeout was reached before node joined.' } });
  const ctx = context(t, fake, { join: { address: '10.9.0.11:2377', token: 't' } });
  assert.equal(await joinSwarm.run(ctx), undefined, 'the step returns, done');
  assert.deepEqual(events(ctx), [{ od: 'swarm', status: 'joining', address: '10.9.0.11:2377', error: 'joining 10.9.0.11:2377: POST /swarm/join: 503 Timeout was reached before node joined.' }]);
  assert.ok(ctx.lines.some((l) => /^init: warning: swarm: not in the swarm yet: .*; trying again in the background$/.test(l)), ctx.lines.join('\n'));
  const retrier = ctx.supervised?.[0];
  assert.ok(retrier instanceof JoinRetrier);
  await retrier.stop();
  assert.equal(posted(fake, '/swarm/join').length, 1, 'stopped before its first pause ended');
});

test('a kernel without the swarm modules is named at boot', async (t) => {
  const fake = await startFakeDocker(t);
  const ctx = context(t, fake, { init: true });
  writeFileSync(ctx.paths.procModules, 'vxlan 1 0 - Live 0x0\nxt_mark 1 0 - Live 0x0\n');
  mkdirSync(join(ctx.paths.sysModule, 'ip_vs'));
  await joinSwarm.run(ctx);
  assert.ok(
    ctx.lines.includes(
      'init: warning: swarm: kernel modules missing: the routing mesh (published service ports, VIPs) need ip_vs_rr, xt_ipvs, xt_REDIRECT; encrypted overlay networks (--opt encrypted) need esp4, xfrm_user, xt_u32, xt_policy',
    ),
    ctx.lines.join('\n'),
  );
});
