import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, exitCodeFor } from './errors.ts';
import { ConfigError } from './config/load-config.ts';
import { HostToolMissingError } from './sources/host-tools.ts';
import { LockOutdatedError } from './sources/lock-file.ts';
import { LockedPackageGoneError } from './sources/debian-packages.ts';

test('typed errors get their own exit codes, others 1', () => {
  assert.equal(exitCodeFor(new ConfigError('only-docker.json', ['unknown key "x"'])), 78);
  assert.equal(exitCodeFor(new HostToolMissingError('zstd', 'zstd')), 69);
  assert.equal(exitCodeFor(new LockOutdatedError('only-docker.lock.json', 'stale')), 78);
  assert.equal(exitCodeFor(new LockedPackageGoneError('runc', '1.1.15+ds1-2', 'http://mirror.example/debian/pool/main/r/runc/x.deb')), 69);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});

test('the message carries the chain of causes', () => {
  const err = new Error('cannot build', { cause: new Error('disk full') });
  assert.equal(describeError(err), 'cannot build\n  caused by: disk full');
});
