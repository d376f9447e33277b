import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDocker } from '../testing/fake-docker.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { createContainer } from '../docker/containers.ts';
import type { ServiceSpec } from '../config/user-config/user-config.ts';
import { reconcileServices, type ServiceOutcome } from './reconcile-services.ts';
import { SERVICE_LABEL, serviceContainerSpec } from './service-container.ts';

const web: ServiceSpec = {
  name: 'web',
  image: 'only-docker/console:0.1.0',
  command: ['sh', '-c', 'busybox httpd -f -p 80 -h /srv'],
  env: { GREETING: 'hello' },
  ports: ['8080:80', '127.0.0.1:5353:53/udp'],
  volumes: ['/root/srv:/srv:ro'],
  restart: 'always',
  privileged: false,
};

const actions = (outcomes: ServiceOutcome[]) => outcomes.map((o) => (o.status === 'running' ? `${o.name}:${o.action}` : `${o.name}:failed`));

test("a service's container: its command, env, ports, volumes, restart policy and labels", () => {
  const spec = serviceContainerSpec(web);
  assert.deepEqual(spec.Cmd, web.command);
  assert.deepEqual(spec.Env, ['GREETING=hello']);
  assert.deepEqual(spec.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(spec.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] });
  assert.deepEqual(spec.HostConfig.Binds, ['/root/srv:/srv:ro']);
  assert.deepEqual(spec.HostConfig.RestartPolicy, { Name: 'always' });
  assert.equal(spec.Labels?.[SERVICE_LABEL], 'web');
  assert.equal(spec.HostConfig.Privileged, false);
  assert.equal(serviceContainerSpec({ ...web, env: { GREETING: 'hello' } }).Labels?.['org.only-docker.service.digest'], spec.Labels?.['org.only-docker.service.digest'], 'the digest is stable');
  assert.notEqual(serviceContainerSpec({ ...web, ports: ['8081:80'] }).Labels?.['org.only-docker.service.digest'], spec.Labels?.['org.only-docker.service.digest']);
});

test('created, kept while it runs, started when stopped, replaced when changed, removed when no longer configured', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set(web.image, { Id: 'sha256:1', RepoTags: [web.image] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  const info: string[] = [];
  const run = (services: ServiceSpec[]) => reconcileServices({ client, services, info: (m) => info.push(m) });
  assert.deepEqual(actions(await run([web])), ['web:created']);
  const first = [...fake.containers.values()].find((c) => c.name === 'web')!;
  assert.equal(first.running, true);
  assert.deepEqual(actions(await run([web])), ['web:kept']);
  first.running = false;
  assert.deepEqual(actions(await run([web])), ['web:started']);
  assert.equal(fake.containers.get(first.id)?.running, true, 'the same container, started again');
  assert.deepEqual(actions(await run([{ ...web, ports: ['8081:80'] }])), ['web:replaced']);
  assert.equal(fake.containers.has(first.id), false);
  assert.deepEqual(actions(await run([])), []);
  assert.equal([...fake.containers.values()].some((c) => c.name === 'web'), false);
  assert.match(info.at(-1)!, /service web is no longer in the configuration/);
});

test("one service that cannot start is reported and the others start: another's container by its name, an image no registry has", async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set(web.image, { Id: 'sha256:1', RepoTags: [web.image] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  await createContainer(client, 'taken', { Image: web.image, HostConfig: {} });
  const info: string[] = [];
  const outcomes = await reconcileServices({
    client,
    services: [{ ...web, name: 'taken' }, { ...web, name: 'missing', image: 'example.org/nothing:1' }, web],
    info: (m) => info.push(m),
  });
  assert.deepEqual(actions(outcomes), ['taken:failed', 'missing:failed', 'web:created']);
  assert.match((outcomes[0] as { error: string }).error, /exists and is not this service's: it is left alone/);
  assert.match((outcomes[1] as { error: string }).error, /cannot pull example\.org\/nothing:1/);
  assert.ok(fake.requests.some((r) => r.method === 'POST' && r.path === '/images/create?fromImage=example.org%2Fnothing&tag=1'));
  assert.deepEqual(info, ['service missing: pulling example.org/nothing:1']);
  assert.equal([...fake.containers.values()].find((c) => c.name === 'taken')?.spec.Labels, undefined, "the other container is untouched");
});

test('an image Docker does not have is pulled, then the container is created', async (t) => {
  const fake = await startFakeDocker(t);
  const client = new DockerClient({ socketPath: fake.socketPath });
  fake.onPull = (reference) => {
    // Docker resolves "nginx" to the nginx:latest it pulled; the fake knows names only.
    fake.images.set('nginx', { Id: 'sha256:2', RepoTags: [reference] });
    return { status: 200, body: '{"status":"Pull complete"}\n' };
  };
  const outcomes = await reconcileServices({ client, services: [{ ...web, image: 'nginx' }], info: () => undefined });
  assert.deepEqual(actions(outcomes), ['web:created']);
  assert.ok(fake.requests.some((r) => r.path === '/images/create?fromImage=nginx&tag=latest'), 'no tag pulls latest, never every tag');
});
