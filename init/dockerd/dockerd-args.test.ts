import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDefaults } from '../config/options.ts';
import { defaultLogOptions, dockerdArgs } from './dockerd-args.ts';

function config(change: (c: ReturnType<typeof freshDefaults>) => void) {
  const c = freshDefaults();
  change(c);
  return c;
}

test('no options: only the bound on container logs', () => {
  assert.deepEqual(dockerdArgs({ config: freshDefaults() }), { args: ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'], notes: [] });
});

test("a log driver, log option or config file of the person's replaces the bound on container logs", () => {
  for (const user of [['--log-driver', 'journald'], ['--log-opt=max-size=1g'], ['--config-file', '/etc/docker/mine.json']]) {
    const c = config((c) => (c.dockerd.args = user));
    assert.deepEqual(dockerdArgs({ config: c }).args, user);
  }
  assert.deepEqual(dockerdArgs({ config: freshDefaults(), daemonSetsLogging: true }).args, [], "docker.daemon's log keys decide too");
});

test('debug, storage driver, the ready bridge, then the user args', () => {
  const c = config((c) => {
    c.debug = true;
    c.dockerd.storageDriver = 'vfs';
    c.dockerd.bridge = 'br-od';
    c.dockerd.bip = { ip: '172.30.0.1', prefix: 24 };
    c.dockerd.args = ['--label', 'a b'];
  });
  assert.deepEqual(dockerdArgs({ config: c, bridge: { name: 'br-od', ready: true } }).args, [
    '--debug',
    '--storage-driver',
    'vfs',
    '-b',
    'br-od',
    ...defaultLogOptions,
    '--label',
    'a b',
  ]);
});

test('od.bip alone, or with a bridge that could not be made, is --bip', () => {
  const c = config((c) => (c.dockerd.bip = { ip: '10.9.0.1', prefix: 16 }));
  assert.deepEqual(dockerdArgs({ config: c }).args, ['--bip', '10.9.0.1/16', ...defaultLogOptions]);
  const failed = dockerdArgs({ config: c, bridge: { name: 'br-od', ready: false } });
  assert.deepEqual(failed.args, ['--bip', '10.9.0.1/16', ...defaultLogOptions]);
  assert.match(failed.notes[0]!, /br-od could not be set up; dockerd makes docker0 with --bip 10\.9\.0\.1\/16/);
});

test('a flag the user spelled out in od.dockerd.args wins', () => {
  const c = config((c) => {
    c.debug = true;
    c.dockerd.storageDriver = 'vfs';
    c.dockerd.bip = { ip: '10.9.0.1', prefix: 16 };
    c.dockerd.args = ['-D', '--storage-driver=overlay2', '--bridge', 'none'];
  });
  const { args, notes } = dockerdArgs({ config: c });
  assert.deepEqual(args, [...defaultLogOptions, '-D', '--storage-driver=overlay2', '--bridge', 'none']);
  assert.equal(notes.length, 3);
  assert.match(notes.join('\n'), /od\.debug: od\.dockerd\.args sets --debug itself/);
});

test("swarm.labels become engine labels, unless docker.daemon sets labels itself", () => {
  const c = config((c) => (c.swarm = { labels: { zone: 'a', 'disk.kind': 'ssd' }, notes: [] }));
  assert.deepEqual(dockerdArgs({ config: c }).args.slice(0, 4), ['--label', 'zone=a', '--label', 'disk.kind=ssd']);
  c.user.docker.daemon = { labels: ['x=y'] };
  const withFile = dockerdArgs({ config: c });
  assert.ok(!withFile.args.includes('--label'));
  assert.match(withFile.notes[0]!, /^swarm\.labels ignored: docker\.daemon sets labels itself/);
});
