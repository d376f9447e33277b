import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Step } from './context.ts';
import { formatEvent, type StepEvent } from '../contract/events.ts';
import { runPlan, StepFailedError } from './runner.ts';
import { fakeContext } from './testing/fake-context.ts';

/** A clock that advances 10 ms each time it is read. */
function steppingClock(): () => number {
  let t = 0;
  return () => (t += 10);
}

function harness() {
  const events: StepEvent[] = [];
  const infos: string[] = [];
  const warnings: string[] = [];
  return {
    events,
    infos,
    warnings,
    hooks: { emit: (e: StepEvent) => events.push(e), info: (m: string) => infos.push(m), warn: (m: string) => warnings.push(m), now: steppingClock() },
  };
}

const step = (name: string, required: boolean, run: Step['run']): Step => ({ name, required, run });

test('runs steps in order with start/end events and timings', async () => {
  const order: string[] = [];
  const h = harness();
  const plan = [
    step('first', true, () => void order.push('first')),
    step('second', false, async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('second');
    }),
  ];
  const result = await runPlan(plan, fakeContext(), h.hooks);
  assert.equal(result.ok, true);
  assert.deepEqual(order, ['first', 'second']);
  assert.deepEqual(h.events.map(formatEvent), [
    '{"od":"step","name":"first","status":"start"}',
    '{"od":"step","name":"first","status":"done","ms":10}',
    '{"od":"step","name":"second","status":"start"}',
    '{"od":"step","name":"second","status":"done","ms":10}',
  ]);
});

test('an optional failure is reported and the plan goes on', async () => {
  const h = harness();
  const plan = [
    step('flaky', false, () => {
      throw new Error('no such module');
    }),
    step('after', true, () => {}),
  ];
  const result = await runPlan(plan, fakeContext(), h.hooks);
  assert.equal(result.ok, true);
  assert.deepEqual(h.events.map(formatEvent), [
    '{"od":"step","name":"flaky","status":"start"}',
    '{"od":"step","name":"flaky","status":"failed","ms":10,"error":"no such module"}',
    '{"od":"step","name":"after","status":"start"}',
    '{"od":"step","name":"after","status":"done","ms":10}',
  ]);
  assert.deepEqual(h.warnings, ['step flaky failed: no such module (optional step, boot goes on)']);
  assert.equal(result.outcomes[0]?.status, 'failed');
});

test('a required failure stops the plan; the rest are skipped; the cause is kept', async () => {
  const h = harness();
  const cause = new Error('dockerd exited (code 1)');
  let ranLater = false;
  const plan = [
    step('startDockerd', true, async () => {
      throw cause;
    }),
    step('later', false, () => void (ranLater = true)),
  ];
  const result = await runPlan(plan, fakeContext(), h.hooks);
  assert.equal(result.ok, false);
  assert.equal(ranLater, false);
  assert.ok(result.fatal instanceof StepFailedError);
  assert.equal(result.fatal?.step, 'startDockerd');
  assert.equal(result.fatal?.cause, cause);
  assert.equal(result.fatal?.message, 'step startDockerd failed: dockerd exited (code 1)');
  assert.deepEqual(h.events.map(formatEvent), [
    '{"od":"step","name":"startDockerd","status":"start"}',
    '{"od":"step","name":"startDockerd","status":"failed","ms":10,"error":"dockerd exited (code 1)"}',
    '{"od":"step","name":"later","status":"skipped","ms":0}',
  ]);
});

test('a step may skip itself with a reason', async () => {
  const h = harness();
  const result = await runPlan([step('loadModules', false, () => ({ skipped: 'no module list' }))], fakeContext(), h.hooks);
  assert.equal(result.ok, true);
  assert.deepEqual(h.events.map(formatEvent), [
    '{"od":"step","name":"loadModules","status":"start"}',
    '{"od":"step","name":"loadModules","status":"skipped","ms":10}',
  ]);
  assert.deepEqual(h.infos, ['loadModules: skipped: no module list']);
});

test('non-Error throws and multi-line messages still give one event line', async () => {
  const h = harness();
  await runPlan([step('odd', false, () => Promise.reject('line one\nline two'))], fakeContext(), h.hooks);
  const failed = h.events.map(formatEvent)[1]!;
  assert.equal(failed, '{"od":"step","name":"odd","status":"failed","ms":10,"error":"line one\\nline two"}');
  assert.ok(!failed.includes('\n'));
});

test('real clock: ms are whole numbers', async () => {
  const events: StepEvent[] = [];
  await runPlan([step('s', true, () => new Promise((r) => setTimeout(r, 20)))], fakeContext(), {
    emit: (e) => events.push(e),
    info() {},
    warn() {},
  });
  const end = events[1];
  assert.ok(end && 'ms' in end && Number.isInteger(end.ms) && end.ms >= 15, JSON.stringify(end));
});
