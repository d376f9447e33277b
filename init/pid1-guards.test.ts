import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeErrorChain } from './pid1-guards.ts';

test('the chain of causes, one line each', () => {
  const root = new Error('ENOENT: no such file');
  const middle = new Error('dockerd is missing', { cause: root });
  const top = new Error('step startDockerd failed', { cause: middle });
  assert.equal(describeErrorChain(top), 'step startDockerd failed\ncaused by: dockerd is missing\ncaused by: ENOENT: no such file');
  assert.equal(describeErrorChain('plain'), 'plain');
});

test('with the stack for bugs', () => {
  const text = describeErrorChain(new TypeError('x is undefined'), true);
  assert.match(text, /^x is undefined\n\s*at /);
});
