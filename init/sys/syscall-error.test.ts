import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errnoName, hasErrorCode, SyscallError } from './syscall-error.ts';

test('errno names, including ones libuv does not name', () => {
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(10), 'ECHILD');
  assert.equal(errnoName(11), 'EAGAIN');
  assert.equal(errnoName(9999), 'E9999');
});

test('SyscallError message and code', () => {
  const error = new SyscallError('mount', 16, '/proc');
  assert.equal(error.message, 'mount(/proc): EBUSY');
  assert.equal(error.code, 'EBUSY');
  assert.equal(error.errno, 16);
  assert.ok(hasErrorCode(error, 'EBUSY'));
  assert.ok(!hasErrorCode(new Error('x'), 'EBUSY'));
});
