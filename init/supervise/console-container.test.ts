import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeDocker } from '../testing/fake-docker.ts';
import { DockerClient } from '../docker/docker-client.ts';
import {
  chooseConsoleImage,
  ConsoleImageMissingError,
  consoleCommand,
  consoleContainerSpec,
  consoleImageCandidates,
  consoleImageChoices,
  consolePluginDir,
  terminalType,
} from './console-container.ts';

test('the console container follows images/console/README.md: privileged, host net and pid, same-path mounts', () => {
  assert.deepEqual(
    consoleContainerSpec({ tty: 'ttyS0', image: 'only-docker/console:1.0.0', dockerSocket: '/var/run/docker.sock', dockerCli: '/usr/bin/docker' }),
    {
      Image: 'only-docker/console:1.0.0',
      Env: ['TERM=xterm'],
      Labels: { 'io.only-docker.console': 'ttyS0' },
      Tty: true,
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        Privileged: true,
        NetworkMode: 'host',
        PidMode: 'host',
        AutoRemove: true,
        LogConfig: { Type: 'none' },
        Binds: [
          '/var/run/docker.sock:/var/run/docker.sock',
          '/dev:/dev',
          '/var/lib/docker:/var/lib/docker',
          '/root:/root',
          '/var/log:/var/log:ro',
          '/run/only-docker:/run/only-docker:ro',
          '/usr/bin/docker:/usr/local/bin/docker:ro',
        ],
      },
    },
  );
  const vt = consoleContainerSpec({ tty: 'tty1', image: 'x', cmd: ['/bin/sh', '-l'], dockerSocket: '/run/docker.sock', dockerCli: '/usr/bin/docker' });
  assert.deepEqual(vt.Cmd, ['/bin/sh', '-l']);
  assert.deepEqual(vt.Env, ['TERM=linux']);
  assert.equal(vt.HostConfig.Binds?.[0], '/run/docker.sock:/var/run/docker.sock');
  assert.equal(terminalType('hvc0'), 'xterm');
});

test('the CLI plugins are mounted read-only where the docker CLI looks before the image\'s own', () => {
  const spec = consoleContainerSpec({
    tty: 'ttyS0',
    image: 'debian',
    dockerSocket: '/var/run/docker.sock',
    dockerCli: '/usr/bin/docker',
    dockerCliPlugins: '/usr/libexec/docker/cli-plugins',
  });
  assert.deepEqual(spec.HostConfig.Binds?.slice(-2), [
    '/usr/bin/docker:/usr/local/bin/docker:ro',
    `/usr/libexec/docker/cli-plugins:${consolePluginDir}:ro`,
  ]);
  assert.equal(consolePluginDir, '/usr/local/lib/docker/cli-plugins');
});

test('image candidates: console-image:latest before ours; od.console.image alone', () => {
  assert.deepEqual(consoleImageCandidates(null, '1.2.3'), ['console-image:latest', 'only-docker/console:1.2.3']);
  assert.deepEqual(consoleImageCandidates('debian:bookworm', '1.2.3'), ['debian:bookworm']);
});

test('consoleImageChoices: ours stands in for an od.console.image not pulled yet', () => {
  assert.deepEqual(consoleImageChoices(null, '1.2.3'), ['console-image:latest', 'only-docker/console:1.2.3']);
  assert.deepEqual(consoleImageChoices('debian:bookworm', '1.2.3'), ['debian:bookworm', 'only-docker/console:1.2.3']);
  assert.deepEqual(consoleImageChoices('only-docker/console:1.2.3', '1.2.3'), ['only-docker/console:1.2.3']);
});

test('chooseConsoleImage takes the first image the daemon has', async (t) => {
  const fake = await startFakeDocker(t);
  const client = new DockerClient({ socketPath: fake.socketPath });
  fake.images.set('only-docker/console:1', { Id: 'sha256:c', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } });
  assert.equal((await chooseConsoleImage(client, ['console-image:latest', 'only-docker/console:1'])).name, 'only-docker/console:1');
  fake.images.set('console-image:latest', { Id: 'sha256:d', RepoTags: [], Config: {} });
  assert.equal((await chooseConsoleImage(client, ['console-image:latest', 'only-docker/console:1'])).name, 'console-image:latest');
  await assert.rejects(chooseConsoleImage(client, ['nope:1']), ConsoleImageMissingError);
});

test('an imported image without entrypoint or command gets a login shell', () => {
  assert.deepEqual(consoleCommand({ Id: 'x', RepoTags: [], Config: { Entrypoint: null, Cmd: null } }), ['/bin/sh', '-l']);
  assert.deepEqual(consoleCommand({ Id: 'x', RepoTags: [] }), ['/bin/sh', '-l']);
  assert.equal(consoleCommand({ Id: 'x', RepoTags: [], Config: { Cmd: ['bash'] } }), undefined);
  assert.equal(consoleCommand({ Id: 'x', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } }), undefined);
});
