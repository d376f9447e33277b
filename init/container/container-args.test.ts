import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectContainerMode } from './container-args.ts';

const none = () => false;

test('--container forces container mode and passes the rest to dockerd', () => {
  const mode = detectContainerMode({ args: ['--container', '--storage-driver', 'vfs'], env: {}, pid: 1, exists: none });
  assert.deepEqual(mode?.dockerdArgs, ['--storage-driver', 'vfs']);
  assert.match(mode!.reason, /--container/);
});

test('--container works under another PID 1 (docker run --init), and drops "--" and a leading "dockerd"', () => {
  assert.deepEqual(detectContainerMode({ args: ['--container', '--', '--debug'], env: {}, pid: 7, exists: none })?.dockerdArgs, ['--debug']);
  assert.deepEqual(detectContainerMode({ args: ['--container', 'dockerd', '-D'], env: {}, pid: 7, exists: none })?.dockerdArgs, ['-D']);
});

test('PID 1 with /.dockerenv or the container variable is a container; every argument is dockerd\'s', () => {
  const docker = detectContainerMode({ args: ['--storage-driver', 'vfs'], env: {}, pid: 1, exists: (p) => p === '/.dockerenv' });
  assert.deepEqual(docker?.dockerdArgs, ['--storage-driver', 'vfs']);
  assert.match(detectContainerMode({ args: [], env: { container: 'podman' }, pid: 1, exists: none })!.reason, /podman/);
});

test('a machine\'s PID 1 (no marker) boots, and a build host inside a container still answers --self-test', () => {
  assert.equal(detectContainerMode({ args: [], env: {}, pid: 1, exists: none }), undefined);
  assert.equal(detectContainerMode({ args: ['--self-test'], env: { container: 'docker' }, pid: 4242, exists: () => true }), undefined);
});
