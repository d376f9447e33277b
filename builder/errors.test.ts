import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, exitCodeFor } from './errors.ts';
import { ConfigError } from './config/load-config.ts';
import { HostToolMissingError } from './sources/host-tools.ts';

test('typed errors get their own exit codes, others 1', () => {
  assert.equal(exitCodeFor(new ConfigError('only-docker.json', ['unknown key "x"'])), 78);
  assert.equal(exitCodeFor(new HostToolMissingError('zstd', 'zstd')), 69);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});

test('the message carries the chain of causes', () => {
  const err = new Error('cannot build', { cause: new Error('disk full') });
  assert.equal(describeError(err), 'cannot build\n  caused by: disk full');
});
