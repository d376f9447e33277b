import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from './within.ts';

test('the work when it is in time, the fallback when it is not, an error as it is', async () => {
  assert.equal(await within(sleep(5, 'done'), 1000, 'late'), 'done');
  assert.equal(await within(new Promise(() => {}), 20, 'late'), 'late');
  await assert.rejects(within(Promise.reject(new Error('boom')), 1000, 'late'), /boom/);
});
