import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLogRouting } from './log-targets.ts';

test('od.log unset follows od.debug; set, it wins', () => {
  assert.deepEqual(resolveLogRouting(null, false), { file: true, console: false });
  assert.deepEqual(resolveLogRouting(null, true), { file: true, console: true });
  assert.deepEqual(resolveLogRouting('file', true), { file: true, console: false });
  assert.deepEqual(resolveLogRouting('console', false), { file: false, console: true });
  assert.deepEqual(resolveLogRouting('both', false), { file: true, console: true });
});
