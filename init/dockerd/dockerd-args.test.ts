import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDefaults } from '../config/options.ts';
import { dockerdArgs } from './dockerd-args.ts';

function config(change: (c: ReturnType<typeof freshDefaults>) => void) {
  const c = freshDefaults();
  change(c);
  return c;
}

test('no options: no flags', () => {
  assert.deepEqual(dockerdArgs({ config: freshDefaults() }), { args: [], notes: [] });
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
    '--label',
    'a b',
  ]);
});

test('od.bip alone, or with a bridge that could not be made, is --bip', () => {
  const c = config((c) => (c.dockerd.bip = { ip: '10.9.0.1', prefix: 16 }));
  assert.deepEqual(dockerdArgs({ config: c }).args, ['--bip', '10.9.0.1/16']);
  const failed = dockerdArgs({ config: c, bridge: { name: 'br-od', ready: false } });
  assert.deepEqual(failed.args, ['--bip', '10.9.0.1/16']);
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
  assert.deepEqual(args, ['-D', '--storage-driver=overlay2', '--bridge', 'none']);
  assert.equal(notes.length, 3);
  assert.match(notes.join('\n'), /od\.debug: od\.dockerd\.args sets --debug itself/);
});
