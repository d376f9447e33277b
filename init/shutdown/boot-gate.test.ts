import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootGate } from './boot-gate.ts';
import type { PlanStep } from '../runner.ts';

test('once shutdown begins, boot steps not yet started are skipped and the running one is waited for', async () => {
  const controller = new AbortController();
  const gate = new BootGate(controller.signal);
  const ran: string[] = [];
  let release!: () => void;
  const plan: PlanStep<null>[] = [
    { name: 'slow', required: false, run: () => new Promise<void>((resolve) => (release = () => (ran.push('slow'), resolve()))) },
    { name: 'next', required: true, run: () => void ran.push('next') },
  ];
  const [slow, next] = gate.wrap(plan);
  const running = slow!.run(null);
  let settled = false;
  const waiting = gate.settled().then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false);
  controller.abort('poweroff (SIGUSR2): powering off');
  release();
  await running;
  await waiting;
  assert.deepEqual(await next!.run(null), { skipped: 'shutting down (poweroff (SIGUSR2): powering off)' });
  assert.deepEqual(ran, ['slow']);
  assert.equal(next!.required, true);
  await gate.settled();
});
