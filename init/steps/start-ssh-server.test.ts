import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { logFrame, startFakeDocker, type FakeDocker } from '../testing/fake-docker.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { runSshServer } from '../ssh/ssh-server.ts';
import { initVersion } from '../version.ts';
import { SshServerFailedError, startSshServer } from './start-ssh-server.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHKf6ScPTPmKzf2n7KsFF66MkvHA/chnb0Oo4FKujp/n me@laptop';
const report = [
  'Public key portion is:',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHKf6ScPTPmKzf2n7KsFF66MkvHA/chnb0Oo4FKujp/n root@vm',
  'Fingerprint: SHA256:KExd61dEpS0kDpUOAgOcjpuZZCaGqxBC7IpwthjKotk',
  'only-docker-ssh: host keys ready',
  '',
].join('\n');
const noDropbear = 'only-docker-ssh: dropbear is not in this image: the SSH server needs a console image with dropbear (the bundled one has it)\n';

function sshContext(dir: string, fake: FakeDocker) {
  const ctx = fakeContext({
    dockerSocket: fake.socketPath,
    dockerCli: '/usr/bin/docker',
    dockerCliPlugins: join(dir, 'no-plugins'),
    sshHostKeyDir: join(dir, 'disk', 'ssh'),
    sshAuthorizedKeys: join(dir, 'run', 'ssh', 'authorized_keys'),
    rootSshDir: join(dir, 'root', '.ssh'),
  });
  ctx.config.user.ssh.authorizedKeys = [key, 'ssh-rsa AAAAB3Nz other@desk'];
  return ctx;
}

/** The image each created ssh container was made from. */
const createdImages = (fake: FakeDocker) =>
  fake.requests.filter((r) => r.path === '/containers/create?name=ssh').map((r) => (JSON.parse(r.body.toString()) as { Image: string }).Image);

test('startSshServer is skipped without authorized keys', async () => {
  assert.deepEqual(await startSshServer.run(fakeContext()), { skipped: 'no ssh.authorized_keys in the configuration' });
});

test('startSshServer: the keys written for dropbear, the old ssh container replaced, the port and host key fingerprints reported', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  fake.images.set(`only-docker/console:${initVersion}`, { Id: 'sha256:c', RepoTags: [] });
  fake.containers.set('old', { id: 'old', name: 'ssh', spec: { Image: 'only-docker/console:0.0.1', HostConfig: {} }, running: true, exitCode: 0, logs: Buffer.alloc(0) });
  fake.onStart = (container) => {
    container.running = true;
    container.logs = logFrame(1, report);
  };
  const ctx = sshContext(dir, fake);
  ctx.storage = { mode: 'ram', reason: 'no disk' };
  assert.equal(await startSshServer.run(ctx), undefined);

  assert.equal(readFileSync(ctx.paths.sshAuthorizedKeys, 'utf8'), `${key}\nssh-rsa AAAAB3Nz other@desk\n`);
  assert.equal(statSync(ctx.paths.sshAuthorizedKeys).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'run', 'ssh')).mode & 0o777, 0o700);
  assert.equal(statSync(ctx.paths.sshHostKeyDir).mode & 0o777, 0o700);
  assert.equal(statSync(ctx.paths.rootSshDir).mode & 0o777, 0o700);

  assert.ok(fake.requests.some((r) => r.method === 'DELETE' && r.path === '/containers/ssh?force=1'), 'the old one removed');
  assert.equal(fake.containers.has('old'), false);
  assert.deepEqual(createdImages(fake), [`only-docker/console:${initVersion}`]);
  const created = [...fake.containers.values()].find((c) => c.name === 'ssh')!;
  assert.equal(created.spec.HostConfig.NetworkMode, 'host');
  assert.ok(created.spec.HostConfig.Binds!.includes(`${ctx.paths.sshAuthorizedKeys}:/root/.ssh/authorized_keys:ro`));
  assert.ok(!created.spec.HostConfig.Binds!.some((b) => b.includes('cli-plugins')), 'no plugin directory, none mounted');
  assert.ok(created.spec.Env!.includes(`SSH_HOST_KEY_DIR=${ctx.paths.sshHostKeyDir}`));

  assert.ok(
    ctx.lines.includes(
      'init: SSH into the console on port 22 (run.sh ssh): 2 authorized keys from the configuration, passwords refused; host keys made this boot (no DOCKER disk: new ones at each boot)',
    ),
    ctx.lines.join('\n'),
  );
  assert.ok(ctx.lines.includes('init: SSH host key ssh-ed25519 SHA256:KExd61dEpS0kDpUOAgOcjpuZZCaGqxBC7IpwthjKotk'), ctx.lines.join('\n'));
});

test('startSshServer: a console image without dropbear gives way to the bundled one; the bundled one failing fails the step', async (t) => {
  const dir = tempDir(t);
  const fake = await startFakeDocker(t);
  fake.images.set('console-image:latest', { Id: 'sha256:mine', RepoTags: [] });
  fake.images.set(`only-docker/console:${initVersion}`, { Id: 'sha256:c', RepoTags: [] });
  fake.onStart = (container) => {
    const ours = container.spec.Image === `only-docker/console:${initVersion}`;
    container.running = ours;
    container.logs = logFrame(ours ? 1 : 2, ours ? report : noDropbear);
  };
  const ctx = sshContext(dir, fake);
  ctx.storage = { mode: 'disk', device: '/dev/vda', devno: '254:0', mountPoint: '/var/lib/docker', binds: [] };
  await startSshServer.run(ctx);
  assert.deepEqual(createdImages(fake), ['console-image:latest', `only-docker/console:${initVersion}`]);
  assert.ok(ctx.lines.some((l) => l.startsWith('init: warning: the SSH server did not run from console-image:latest (only-docker-ssh: dropbear is not in this image')), ctx.lines.join('\n'));
  assert.ok(ctx.lines.some((l) => l.endsWith('host keys kept on the DOCKER disk')));

  fake.onStart = (container) => {
    container.running = false;
    container.logs = logFrame(2, 'dropbearkey: cannot write key\n');
  };
  await assert.rejects(async () => startSshServer.run(ctx), (error: unknown) => error instanceof SshServerFailedError && /image only-docker\/console:.*dropbearkey: cannot write key/.test(error.message));
});

test('runSshServer: a server that never lists its host keys is a timeout, with its log', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('x', { Id: 'sha256:x', RepoTags: [] });
  fake.onStart = (container) => {
    container.running = true;
    container.logs = logFrame(2, 'Generating 256 bit ed25519 key, this may take a while...\n');
  };
  const outcome = await runSshServer(new DockerClient({ socketPath: fake.socketPath }), { Image: 'x', HostConfig: {} }, { timeoutMs: 200, intervalMs: 50 });
  assert.equal(outcome.status, 'timeout');
  assert.deepEqual(outcome.status === 'timeout' && outcome.log, ['Generating 256 bit ed25519 key, this may take a while...']);
});
