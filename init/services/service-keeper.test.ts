import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../config/user-config/user-config.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { startFakeDocker, type FakeDocker } from '../testing/fake-docker.ts';
import { SERVICE_LABEL } from './service-container.ts';
import { ServiceKeeper, wantsRestart } from './service-keeper.ts';

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(10)) if (check()) return;
  assert.fail(`timed out waiting for ${what}`);
}

function service(name: string, restart: ServiceSpec['restart'] = 'always'): ServiceSpec {
  return { name, image: 'busybox', env: {}, ports: [], volumes: [], privileged: false, restart } as ServiceSpec;
}

async function rig(t: { after(fn: () => unknown): void }, services: ServiceSpec[]) {
  const fake = await startFakeDocker(t);
  for (const s of services) {
    fake.containers.set(s.name, { id: `${s.name}-id`, name: s.name, spec: { Image: 'busybox', Labels: { [SERVICE_LABEL]: s.name }, HostConfig: {} }, running: true, exitCode: 0, logs: Buffer.alloc(0) });
  }
  const restarted: string[] = [];
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warn: ${m}`), debug() {} };
  const keeper = new ServiceKeeper({
    client: new DockerClient({ socketPath: fake.socketPath }),
    services,
    log,
    onRestarted: (name, container, code) => restarted.push(`${name} ${container} ${code}`),
    graceMs: 50,
    retryMs: 20,
  });
  t.after(() => keeper.stop());
  keeper.start();
  // The event stream is open once the fake has been asked for it.
  await until(() => fake.requests.some((r) => r.path.startsWith('/events')), 'the event stream');
  await sleep(20);
  return { fake, keeper, restarted, lines };
}

/** The events dockerd sends when a container dies: exit code and labels in the attributes. */
function died(fake: FakeDocker, name: string, exitCode: number): void {
  fake.containers.get(name)!.running = false;
  fake.emitEvent({ Type: 'container', Action: 'die', Actor: { ID: `${name}-id`, Attributes: { name, exitCode: String(exitCode), [SERVICE_LABEL]: name } } });
}

const starts = (fake: FakeDocker, name: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === `/containers/${name}-id/start`).length;

test('restart policies: on-failure only after a failure, no never', () => {
  assert.equal(wantsRestart('always', 0), true);
  assert.equal(wantsRestart('unless-stopped', 137), true);
  assert.equal(wantsRestart('on-failure', 137), true);
  assert.equal(wantsRestart('on-failure', 0), false);
  assert.equal(wantsRestart('on-failure', null), true);
  assert.equal(wantsRestart('no', 137), false);
});

test('docker kill: dockerd leaves the service stopped, the keeper starts it again and says so', async (t) => {
  const { fake, restarted, lines } = await rig(t, [service('web')]);
  died(fake, 'web', 137);
  await until(() => restarted.length === 1, 'the restart');
  assert.deepEqual(restarted, ['web web-id 137']);
  assert.equal(fake.containers.get('web')!.running, true);
  assert.match(lines.join('\n'), /service web ended \(exit code 137\) and dockerd left it stopped \(as after docker kill\): started again/);
});

test('docker stop is a person stopping it: left stopped, and said so', async (t) => {
  const { fake, restarted, lines } = await rig(t, [service('web')]);
  died(fake, 'web', 143);
  fake.emitEvent({ Type: 'container', Action: 'stop', Actor: { ID: 'web-id', Attributes: { name: 'web', [SERVICE_LABEL]: 'web' } } });
  await until(() => lines.some((l) => l.includes('by docker stop')), 'the word on docker stop');
  await sleep(100);
  assert.deepEqual(restarted, []);
  assert.equal(starts(fake, 'web'), 0);
});

test('what dockerd restarts itself, what the policy leaves stopped, what is not a service: left alone', async (t) => {
  const { fake, restarted } = await rig(t, [service('crashy'), service('batch', 'on-failure'), service('once', 'no')]);
  died(fake, 'crashy', 1);
  fake.containers.get('crashy')!.running = true; // dockerd's restart policy at work
  died(fake, 'batch', 0);
  died(fake, 'once', 137);
  fake.emitEvent({ Type: 'container', Action: 'die', Actor: { ID: 'other', Attributes: { name: 'other', exitCode: '137' } } });
  await sleep(300);
  assert.deepEqual(restarted, []);
  assert.equal(fake.requests.filter((r) => r.path.endsWith('/start')).length, 0);
});

test('killed again soon after: a pause before the next start; none after stop()', async (t) => {
  const { fake, keeper, restarted, lines } = await rig(t, [service('web')]);
  died(fake, 'web', 137);
  await until(() => restarted.length === 1, 'the first restart');
  died(fake, 'web', 137);
  await until(() => lines.some((l) => l.includes('starting it again in 1 s')), 'the pause announced');
  assert.equal(restarted.length, 1);
  await until(() => restarted.length === 2, 'the second restart', 3000);
  await keeper.stop();
  died(fake, 'web', 137);
  await sleep(200);
  assert.equal(restarted.length, 2);
});

test('a service removed by docker rm -f is not made again before the next boot', async (t) => {
  const { fake, restarted } = await rig(t, [service('web')]);
  died(fake, 'web', 137);
  fake.containers.delete('web');
  await sleep(200);
  assert.deepEqual(restarted, []);
});
