import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootState, parseVmRss } from './boot-run.ts';
import { CONSOLE_PROMPT } from './boot-timeline.ts';

test('VmRSS is read from /proc/1/status text, with the echo of the command around it', () => {
  assert.equal(parseVmRss('grep VmRSS /proc/1/status\r\nVmRSS:\t   51234 kB\r\n'), 51234);
  assert.equal(parseVmRss('grep: /proc/1/status: No such file'), undefined);
});

test('the wait loop sees the prompt, a failed boot, and a finished boot without a prompt', () => {
  assert.deepEqual(bootState('...\r\n[only-docker console] ~ # \u001b[6n', CONSOLE_PROMPT), { prompt: true, failed: false });
  assert.deepEqual(bootState('{"od":"boot","status":"failed","ms":3}\n', CONSOLE_PROMPT), { prompt: false, failed: true });
  assert.deepEqual(bootState('x\n{"od":"boot","status":"done","ms":3}\n', CONSOLE_PROMPT), { prompt: false, failed: false, doneAt: 2 });
});
