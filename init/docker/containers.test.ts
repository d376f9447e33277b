import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logFrame, startFakeDocker } from '../testing/fake-docker.ts';
import { containerLogs, createContainer, inspectContainer, removeContainer, startContainer } from './containers.ts';
import { DockerApiError, DockerClient } from './docker-client.ts';
import { demuxLogStream } from './log-stream.ts';

test('create, start, inspect, remove through the API', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('img:1', { Id: 'sha256:1', RepoTags: ['img:1'] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  const id = await createContainer(client, 'dhcp', { Image: 'img:1', HostConfig: { NetworkMode: 'host' } });
  assert.equal(fake.requests.at(-1)?.path, '/containers/create?name=dhcp');
  assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body.toString()), { Image: 'img:1', HostConfig: { NetworkMode: 'host' } });
  await assert.rejects(createContainer(client, 'dhcp', { Image: 'img:1', HostConfig: {} }), (e: unknown) => e instanceof DockerApiError && e.status === 409);
  await startContainer(client, id);
  assert.equal((await inspectContainer(client, 'dhcp'))?.State.Running, true);
  assert.equal(await removeContainer(client, 'dhcp', { force: true }), true);
  assert.equal(await inspectContainer(client, id), undefined);
  assert.equal(await removeContainer(client, 'dhcp', { force: true }), false);
});

test('a running container is not removed without force', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('img:1', { Id: 'sha256:1', RepoTags: ['img:1'] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  const id = await createContainer(client, 'x', { Image: 'img:1', HostConfig: {} });
  await startContainer(client, id);
  await assert.rejects(removeContainer(client, 'x'), /409 container is running/);
  assert.equal(await removeContainer(client, 'x', { force: true }), true);
  assert.equal(fake.requests.at(-1)?.path, `/containers/x?force=1`);
});

test('logs are demultiplexed into lines', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('img:1', { Id: 'sha256:1', RepoTags: ['img:1'] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  const id = await createContainer(client, 'x', { Image: 'img:1', HostConfig: {} });
  fake.containers.get(id)!.logs = Buffer.concat([logFrame(2, 'udhcpc: started\nudhcpc: send'), logFrame(1, 'ing discover\n')]);
  assert.deepEqual(await containerLogs(client, 'x', 5), ['udhcpc: started', 'udhcpc: sending discover']);
  assert.match(fake.requests.at(-1)!.path, /\/logs\?stdout=1&stderr=1&tail=5$/);
});

test('demuxLogStream: frames, a raw (tty) stream, a cut frame', () => {
  assert.deepEqual(
    demuxLogStream(Buffer.concat([logFrame(1, 'a'), logFrame(2, 'b')])).map((f) => [f.stream, f.data.toString()]),
    [['stdout', 'a'], ['stderr', 'b']],
  );
  assert.deepEqual(demuxLogStream(Buffer.from('plain tty output\n')).map((f) => f.data.toString()), ['plain tty output\n']);
  const cut = logFrame(1, 'abcdef').subarray(0, 11);
  assert.deepEqual(demuxLogStream(cut).map((f) => f.data.toString()), ['abc']);
});
