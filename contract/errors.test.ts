import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, describeErrorChain, OdError } from './errors.ts';

test('the chain of causes, one line each', () => {
  const root = new Error('ENOENT: no such file');
  const middle = new Error('dockerd is missing', { cause: root });
  const top = new Error('step startDockerd failed', { cause: middle });
  assert.equal(describeErrorChain(top), 'step startDockerd failed\ncaused by: dockerd is missing\ncaused by: ENOENT: no such file');
  assert.equal(describeErrorChain(top, { indent: '  ' }), 'step startDockerd failed\n  caused by: dockerd is missing\n  caused by: ENOENT: no such file');
  assert.equal(describeErrorChain('plain'), 'plain');
  assert.equal(describeErrorChain(new Error('a', { cause: 'a string' })), 'a\ncaused by: a string');
});

test('with the stack for bugs', () => {
  const text = describeErrorChain(new TypeError('x is undefined'), { withStack: true });
  assert.match(text, /^x is undefined\n\s*at /);
});

test("a failed command's last stderr lines, unless its message has them already", () => {
  const failed = Object.assign(new Error('mke2fs exited 1'), { stderr: 'one\ntwo\nthree\nfour\nfive\nsix\n' });
  assert.equal(describeErrorChain(failed, { indent: '  ', withStderr: true }), 'mke2fs exited 1\n  two\n  three\n  four\n  five\n  six');
  assert.equal(describeErrorChain(Object.assign(new Error('bad: six'), { stderr: 'six' }), { withStderr: true }), 'bad: six');
});

test('typed errors are named after their class', () => {
  class DiskGoneError extends OdError {}
  const error = new DiskGoneError('gone', { cause: new Error('EIO') });
  assert.equal(error.name, 'DiskGoneError');
  assert.equal(describeError(error), 'gone');
  assert.equal(describeError(42), '42');
});
