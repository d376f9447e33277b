import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerClient } from '../docker/docker-client.ts';
import { startFakeDocker, type FakeContainer } from '../testing/fake-docker.ts';
import { PortWatcher } from './port-watcher.ts';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function container(id: string, ports: FakeContainer['ports']): FakeContainer {
  return { id, name: id, spec: { Image: 'busybox', HostConfig: {} }, running: true, exitCode: 0, logs: Buffer.alloc(0), ports };
}

test('the host hears the Docker version, then the whole set of published ports after each container event', async (t) => {
  const fake = await startFakeDocker(t);
  fake.containers.set('old', container('old', [{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }]));
  const lines: string[] = [];
  const watcher = new PortWatcher({ client: new DockerClient({ socketPath: fake.socketPath }), send: (line) => lines.push(line), log: { debug() {}, warn() {} }, retryMs: 20 });
  t.after(() => watcher.stop());
  await watcher.start();
  assert.deepEqual(lines, ['docker 20.10.24+fake 1.41', 'ports udp:5353']);

  fake.containers.set('web', container('web', [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 18081, Type: 'tcp' }, { IP: '::', PrivatePort: 80, PublicPort: 18081, Type: 'tcp' }]));
  fake.emitEvent({ Type: 'container', Action: 'start', Actor: { ID: 'web' } });
  await until(() => lines.at(-1) === 'ports tcp:18081 udp:5353', 'the new port');

  // An event that changes nothing sends nothing.
  fake.emitEvent({ Type: 'container', Action: 'destroy', Actor: { ID: 'gone' } });
  await sleep(100);
  assert.equal(lines.length, 3);

  fake.containers.get('web')!.running = false;
  fake.emitEvent({ Type: 'container', Action: 'die', Actor: { ID: 'web' } });
  await until(() => lines.at(-1) === 'ports udp:5353', 'the port gone');
});

test('when dockerd goes away the ports are withdrawn, and listed again when it is back', async (t) => {
  const fake = await startFakeDocker(t);
  fake.containers.set('web', container('web', [{ PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]));
  const lines: string[] = [];
  const watcher = new PortWatcher({ client: new DockerClient({ socketPath: fake.socketPath }), send: (line) => lines.push(line), log: { debug() {}, warn() {} }, retryMs: 20 });
  t.after(() => watcher.stop());
  await watcher.start();
  assert.deepEqual(lines, ['docker 20.10.24+fake 1.41', 'ports tcp:8080']);
  fake.endEvents();
  await until(() => lines.length >= 4 && lines.at(-1) === 'ports tcp:8080', 'the resync');
  assert.deepEqual(lines.slice(2), ['ports', 'docker 20.10.24+fake 1.41', 'ports tcp:8080']);
  assert.equal(watcher.current, 'ports tcp:8080');
});
