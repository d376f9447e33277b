import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEnd } from './life.ts';
import { Respawner } from './respawner.ts';

function logSink() {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(`info: ${m}`), warn: (m: string) => lines.push(`warn: ${m}`) } };
}

test('respawns after each end, backing off while lives are short, and says so', async () => {
  const { lines, log } = logSink();
  const ends: RunEnd[] = [{ code: 1, signal: null }, { code: null, signal: 'SIGKILL' }, { code: 0, signal: null }];
  let clock = 0;
  const gaps: number[] = [];
  let lastEnd = 0;
  const respawner = new Respawner({
    name: 'console on ttyS0',
    log,
    backoff: { minDelayMs: 10, maxDelayMs: 35, healthyAfterMs: 1000 },
    now: () => clock,
    spawn: () => ({ exited: runOnce() }),
  });
  const runOnce = async () => {
      if (lastEnd) gaps.push(Date.now() - lastEnd);
      const end = ends.shift();
      if (!end) throw new Error('no more');
      clock += 5; // a short life
      lastEnd = Date.now();
      return end;
  };
  respawner.start();
  respawner.start(); // one loop only
  await new Promise((resolve) => setTimeout(resolve, 400));
  await respawner.stop();
  assert.ok(respawner.lives >= 4, `lives ${respawner.lives}`);
  assert.match(lines[0]!, /^info: console on ttyS0 exited \(code 1\) after 5 ms; starting it again in 20 ms$/);
  assert.match(lines[1]!, /^info: console on ttyS0 exited \(signal SIGKILL\) after/);
  assert.match(lines[3]!, /^warn: console on ttyS0 could not run: no more after/);
  // 20 ms, 35 ms (capped), 35 ms...
  assert.ok(gaps[0]! >= 15 && gaps[1]! >= 30, `gaps ${gaps.join(',')}`);
});

test('a long life resets the pause to the minimum', async () => {
  const { lines, log } = logSink();
  let clock = 0;
  let runs = 0;
  const respawner = new Respawner({
    name: 'x',
    log,
    backoff: { minDelayMs: 10, maxDelayMs: 10_000, healthyAfterMs: 100 },
    now: () => clock,
    spawn: () => {
      runs++;
      clock += runs === 3 ? 500 : 1;
      return { exited: Promise.resolve({ code: 0, signal: null }) };
    },
  });
  respawner.start();
  await new Promise((resolve) => setTimeout(resolve, 150));
  await respawner.stop();
  const delays = lines.map((l) => /again in (.+)$/.exec(l)?.[1]);
  assert.deepEqual(delays.slice(0, 3), ['20 ms', '40 ms', '10 ms']);
});

test('stop ends the current life and the loop', async () => {
  const { lines, log } = logSink();
  let aborted = false;
  const respawner = new Respawner({
    name: 'x',
    log,
    spawn: (signal) => ({
      exited: new Promise<RunEnd>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve({ code: null, signal: 'SIGTERM' });
        });
      }),
    }),
  });
  respawner.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await respawner.stop();
  assert.equal(aborted, true);
  assert.equal(respawner.lives, 1);
  assert.deepEqual(lines, []);
  assert.equal(respawner.stopped, true);
});

test('a spawn that throws is retried after the pause; retryNow() ends the pause early', async () => {
  const { lines, log } = logSink();
  let spawns = 0;
  const respawner = new Respawner({
    name: 'x',
    log,
    backoff: { minDelayMs: 60_000 },
    spawn: () => {
      spawns++;
      if (spawns === 1) throw new Error('no terminal');
      return { exited: new Promise<RunEnd>(() => {}) };
    },
  });
  void respawner.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(spawns, 1);
  assert.deepEqual(lines, ['warn: cannot start x: no terminal; trying again in 30.0 s']);
  respawner.retryNow();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(spawns, 2);
  assert.equal(respawner.lives, 1);
  respawner.disableRestart();
  assert.equal(respawner.stopped, true);
});

test('restart(): the life is ended on purpose and the next one started at once; refused once stopped', async () => {
  const { lines, log } = logSink();
  const ended: number[] = [];
  let spawned = 0;
  const respawner = new Respawner<{ exited: Promise<RunEnd>; n: number }>({
    name: 'x',
    log,
    backoff: { minDelayMs: 60_000 },
    spawn: (signal) => {
      const n = ++spawned;
      return {
        n,
        exited: new Promise<RunEnd>((resolve) =>
          signal.addEventListener('abort', () => {
            ended.push(n);
            resolve({ code: null, signal: 'SIGTERM' });
          }),
        ),
      };
    },
  });
  void respawner.start();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const restart = await respawner.restart('new settings');
  assert.equal(restart.life.n, 2);
  assert.equal(restart.attempt, 1);
  assert.deepEqual(ended, [1]);
  assert.deepEqual(lines, ['info: x ended (signal SIGTERM) to restart it: new settings']);
  await respawner.stop();
  assert.deepEqual(ended, [1, 2]);
  await assert.rejects(respawner.restart('again'), { name: 'RestartRefusedError' });
});
