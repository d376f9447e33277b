import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startFakeDocker, type FakeDocker } from '../testing/fake-docker.ts';
import { DockerClient } from '../docker/docker-client.ts';
import type { ConsoleEvent } from '../../contract/events.ts';
import { failuresBeforeHostShell } from './console-fallback.ts';
import { ConsoleSupervisor, type ConsoleSupervisorOptions } from './console-supervisor.ts';
import type { RunEnd } from './life.ts';
import type { TerminalCommand } from './terminal.ts';

/**
 * Plays `docker start -ai`: the container runs while a short shell command runs, with
 * the exit code the test gives for that life; then it is gone (AutoRemove).
 */
function fakeTerminal(fake: FakeDocker, exitCodes: number[], lifeMs = 50) {
  const commands: TerminalCommand[] = [];
  const spawnFake = async (command: TerminalCommand) => {
    commands.push(command);
    const id = command.args.at(-1)!;
    const container = fake.containers.get(id)!;
    container.running = true;
    const code = exitCodes.shift() ?? 0;
    const child = spawn('/bin/sh', ['-c', `sleep ${lifeMs / 1000}; exit ${code}`]);
    const ended = new Promise<RunEnd>((resolve) =>
      child.once('exit', (c, signal) => {
        fake.containers.delete(id);
        resolve({ code: c, signal });
      }),
    );
    return { child, ended };
  };
  return { commands, spawnFake };
}

function setup(fake: FakeDocker, exitCodes: number[], imageOverride: string | null = null, extra: Partial<ConsoleSupervisorOptions> = {}) {
  const lines: string[] = [];
  const events: ConsoleEvent[] = [];
  const terminal = fakeTerminal(fake, exitCodes);
  const supervisor = new ConsoleSupervisor({
    tty: 'ttyS0',
    client: new DockerClient({ socketPath: fake.socketPath }),
    log: { info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`) },
    emit: (event) => events.push(event),
    sinceBoot: () => 1234,
    devDir: '/dev',
    dockerCli: '/usr/bin/docker',
    dockerSocket: '/var/run/docker.sock',
    busybox: '/bin/busybox',
    imageOverride,
    version: '1.0.0',
    spawn: terminal.spawnFake,
    pollIntervalMs: 10,
    minDelayMs: 10,
    ...extra,
  });
  return { supervisor, lines, events, commands: terminal.commands };
}

const until = async (what: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('a console per life: created through the API, attached with docker start -ai, respawned; a retag takes effect', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('only-docker/console:1.0.0', { Id: 'sha256:c', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } });
  const { supervisor, events, lines, commands } = setup(fake, [0, 137, 0, 0]);
  supervisor.start();
  await supervisor.firstReady;
  assert.deepEqual(events[0], { od: 'console', status: 'ready', tty: 'ttyS0', ms: 1234, image: 'only-docker/console:1.0.0' });
  await until(() => events.length >= 2);
  // The person retags an image as console-image:latest and exits: the next console uses it.
  fake.images.set('console-image:latest', { Id: 'sha256:i', RepoTags: [], Config: {} });
  await until(() => events.some((e) => e.image === 'console-image:latest'));
  await supervisor.stop();

  const first = commands[0]!;
  assert.equal(first.device, '/dev/ttyS0');
  assert.equal(first.file, '/usr/bin/docker');
  assert.deepEqual(first.args.slice(0, 3), ['start', '-a', '-i']);
  assert.equal(first.env.DOCKER_HOST, 'unix:///var/run/docker.sock');
  const creates = fake.requests.filter((r) => r.path.startsWith('/containers/create'));
  assert.ok(creates.every((r) => r.path === '/containers/create?name=console-ttyS0'));
  const custom = creates.map((r) => JSON.parse(r.body.toString())).find((b) => b.Image === 'console-image:latest');
  // Imported images have no command: a login shell.
  assert.deepEqual(custom.Cmd, ['/bin/sh', '-l']);
  assert.match(lines.find((l) => l.includes('code 137'))!, /^info: console on ttyS0 exited \(code 137\) after \d+ ms; starting it again in/);
  // Each life starts by removing a left-over console of that name.
  assert.ok(fake.requests.some((r) => r.method === 'DELETE' && r.path === '/containers/console-ttyS0?force=1'));
});

test('a custom image that keeps failing at once gets one console from the bundled image', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('only-docker/console:1.0.0', { Id: 'sha256:c', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } });
  fake.images.set('console-image:latest', { Id: 'sha256:i', RepoTags: [], Config: { Cmd: ['/no/shell'] } });
  const { supervisor, events, lines } = setup(fake, [127, 127, 0, 127]);
  supervisor.start();
  await until(() => events.length >= 3);
  await supervisor.stop();
  assert.deepEqual(
    events.slice(0, 3).map((e) => e.image),
    ['console-image:latest', 'console-image:latest', 'only-docker/console:1.0.0'],
  );
  assert.ok(lines.some((l) => /^warn: the console image console-image:latest failed 2 times within seconds \(last: code 127\); the next console on ttyS0 is only-docker\/console:1\.0\.0/.test(l)), lines.join('\n'));
});

test('od.console.image is used when present, ours when it is not pulled', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('only-docker/console:1.0.0', { Id: 'sha256:c', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } });
  fake.images.set('console-image:latest', { Id: 'sha256:i', RepoTags: [], Config: { Cmd: ['sh'] } });
  const { supervisor, events } = setup(fake, [0, 0], 'debian:bookworm');
  supervisor.start();
  await supervisor.firstReady;
  assert.equal(events[0]!.image, 'only-docker/console:1.0.0');
  fake.images.set('debian:bookworm', { Id: 'sha256:d', RepoTags: [], Config: { Cmd: ['bash'] } });
  await until(() => events.length >= 2);
  await supervisor.stop();
  assert.equal(events[1]!.image, 'debian:bookworm');
});

test('no console image at all: reported, retried, never ready', async (t) => {
  const fake = await startFakeDocker(t);
  const { supervisor, lines, events } = setup(fake, []);
  supervisor.start();
  await until(() => lines.length >= 2);
  await supervisor.stop();
  assert.equal(events.length, 0);
  assert.match(lines[0]!, /^warn: console on ttyS0 could not run: no console image: none of console-image:latest, only-docker\/console:1\.0\.0 is in the image store after/);
});

test('a console that ended while dockerd was away comes back as soon as dockerd is back, not after its backoff', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('only-docker/console:1.0.0', { Id: 'sha256:c', RepoTags: [], Config: { Entrypoint: ['/bin/sh', '-l'] } });
  const listeners = new Set<() => void>();
  const dockerdRestarts = {
    onRestarted(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const { supervisor, commands } = setup(fake, [1, 0], null, { dockerdRestarts, minDelayMs: 60_000 });
  supervisor.start();
  await until(() => commands.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the first life ended: a 2 min pause
  assert.equal(commands.length, 1);
  for (const listener of listeners) listener();
  await until(() => commands.length === 2);
  await supervisor.stop();
  assert.equal(listeners.size, 0, 'stop() unsubscribes');
});

test('when no console container can run, the terminal gets a host shell that says why, then the console is tried again', async (t) => {
  // No console image at all (as when loading it failed: no space left on device).
  const fake = await startFakeDocker(t);
  const shells: TerminalCommand[] = [];
  const { supervisor: spawned, lines } = setup(fake, [], null, {
    minDelayMs: 1,
    maxDelayMs: 20,
    spawn: async (command) => {
      shells.push(command);
      const child = spawn('/bin/sh', ['-c', 'sleep 0.05']);
      return { child, ended: new Promise<RunEnd>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
    },
  });
  spawned.start();
  t.after(() => spawned.stop());
  await until(() => shells.length >= 1);
  const shell = shells[0]!;
  assert.equal(shell.file, '/bin/sh');
  assert.equal(shell.device, '/dev/ttyS0');
  assert.match(shell.banner!, /no console container could run on ttyS0 \(8 tries; last: no console image: none of console-image:latest, only-docker\/console:1\.0\.0 is in the image store\)/);
  assert.equal(lines.filter((l) => l.includes('could not run: no console image')).length, failuresBeforeHostShell);
  assert.ok(lines.some((l) => l === 'warn: no console container could run on ttyS0: a host shell there instead, until it exits'));
  // After the shell: the console again (as many tries again), then the shell again.
  await until(() => shells.length >= 2, 10_000);
  assert.equal(lines.filter((l) => l.includes('could not run: no console image')).length, 2 * failuresBeforeHostShell);
});
