import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleContainerSpec } from '../supervise/console-container.ts';
import { renderAuthorizedKeys, sshContainerSpec, sshHostKeysReadyLine, sshServerScript } from './ssh-container.ts';

const mounts = { dockerSocket: '/var/run/docker.sock', dockerCli: '/usr/bin/docker', dockerCliPlugins: '/usr/libexec/docker/cli-plugins' };

test('the SSH server is a console (same privileges and mounts) with the authorized keys bound read-only, kept running by dockerd', () => {
  const spec = sshContainerSpec({
    image: 'only-docker/console:1.0.0',
    ...mounts,
    hostKeyDir: '/var/lib/docker/.only-docker/ssh',
    authorizedKeysFile: '/run/only-docker/ssh/authorized_keys',
  });
  const console = consoleContainerSpec({ tty: 'ttyS0', image: 'only-docker/console:1.0.0', ...mounts });
  assert.deepEqual(spec, {
    Image: 'only-docker/console:1.0.0',
    Entrypoint: ['/bin/sh', '-c', sshServerScript, 'only-docker-ssh'],
    Env: ['SSH_HOST_KEY_DIR=/var/lib/docker/.only-docker/ssh', 'SSH_PORT=22'],
    Labels: { 'io.only-docker.role': 'ssh' },
    HostConfig: {
      Privileged: true,
      NetworkMode: 'host',
      PidMode: 'host',
      Binds: [...console.HostConfig.Binds!, '/run/only-docker/ssh/authorized_keys:/root/.ssh/authorized_keys:ro'],
      RestartPolicy: { Name: 'unless-stopped' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    },
  });
  assert.equal(console.HostConfig.Privileged, spec.HostConfig.Privileged);
  assert.ok(spec.HostConfig.Binds!.includes('/usr/libexec/docker/cli-plugins:/usr/local/lib/docker/cli-plugins:ro'));
  // Not a console on a terminal: no tty, nothing attached, never removed on exit.
  assert.equal(spec.Tty, undefined);
  assert.equal(spec.HostConfig.AutoRemove, undefined);
});

test('the server script: key logins only, in the foreground, logging to stderr, host keys made once and listed', () => {
  assert.match(sshServerScript, /^exec dropbear -F -E -s -p "\$SSH_PORT" "\$@"$/m);
  assert.match(sshServerScript, /^for type in ed25519 ecdsa; do$/m);
  assert.match(sshServerScript, /dropbearkey -t "\$type" -f "\$key\.new" >\/dev\/null\n {4}mv -f "\$key\.new" "\$key"/);
  assert.match(sshServerScript, /dropbearkey -y -f "\$key"/);
  assert.ok(sshServerScript.includes(`echo "${sshHostKeysReadyLine}"\nexec dropbear`), 'the report ends right before dropbear');
  assert.doesNotMatch(sshServerScript, /-[BgR]\b/, 'no blank passwords, no lazy host keys');
});

test('renderAuthorizedKeys: one key a line', () => {
  assert.equal(renderAuthorizedKeys(['ssh-ed25519 AAAA a@b', 'ssh-rsa BBBB ']), 'ssh-ed25519 AAAA a@b\nssh-rsa BBBB\n');
  assert.equal(renderAuthorizedKeys([]), '');
});
