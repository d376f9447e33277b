import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type { DockerdEvent } from '../../contract/events.ts';
import { DockerdSupervisor, type DockerdSupervisorOptions } from './dockerd-supervisor.ts';
import type { DockerdExit, DockerdHandle } from './spawn-dockerd.ts';

interface FakeDockerd {
  handle: DockerdHandle;
  signals: string[];
  die(code: number | null, signal?: NodeJS.Signals | null): void;
  ready(): void;
  failReady(error: Error): void;
}

/** Fake dockerds: each spawn makes one; the test decides when it answers and when it dies. */
function harness(options: Partial<DockerdSupervisorOptions> & { ignoreTerm?: boolean; throwOnSpawn?: (n: number) => boolean } = {}) {
  const spawned: FakeDockerd[] = [];
  const events: DockerdEvent[] = [];
  const lines: string[] = [];
  const readiness = new Map<DockerdHandle, { resolve(): void; reject(e: Error): void }>();
  let nextPid = 100;
  let spawns = 0;
  const supervisor = new DockerdSupervisor({
    spawn() {
      if (options.throwOnSpawn?.(spawns++)) throw new Error('/usr/sbin/dockerd is missing');
      const controller = new AbortController();
      let resolveExit!: (exit: DockerdExit) => void;
      const exited = new Promise<DockerdExit>((resolve) => (resolveExit = resolve));
      const signals: string[] = [];
      const child = {
        exitCode: null as number | null,
        signalCode: null as NodeJS.Signals | null,
        kill(signal: NodeJS.Signals) {
          signals.push(signal);
          if (signal === 'SIGKILL' || !options.ignoreTerm) fake.die(null, signal);
          return true;
        },
      };
      const fake: FakeDockerd = {
        handle: { child: child as unknown as ChildProcess, pid: nextPid++, gone: controller.signal, exited },
        signals,
        die(code, signal = null) {
          if (controller.signal.aborted) return;
          child.exitCode = code;
          child.signalCode = signal;
          controller.abort(`dockerd exited`);
          readiness.get(fake.handle)?.reject(new Error('dockerd exited'));
          resolveExit({ code, signal });
        },
        ready: () => readiness.get(fake.handle)?.resolve(),
        failReady: (error) => readiness.get(fake.handle)?.reject(error),
      };
      spawned.push(fake);
      return fake.handle;
    },
    waitReady: (handle) => new Promise<void>((resolve, reject) => readiness.set(handle, { resolve, reject })),
    emit: (event) => events.push(event),
    log: { info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`) },
    minDelayMs: 10,
    maxDelayMs: 40,
    healthyAfterMs: 60_000,
    graceMs: 50,
    ...options,
  });
  return { supervisor, spawned, events, lines };
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

test('a dockerd that dies after the boot is started again and reported', async () => {
  const { supervisor, spawned, events, lines } = harness();
  const restarted: number[] = [];
  supervisor.onRestarted((r) => restarted.push(r.total));
  const first = supervisor.start();
  spawned[0]!.ready();
  assert.equal(await first, spawned[0]!.handle);
  assert.equal(supervisor.restartEnabled, true);

  spawned[0]!.die(null, 'SIGKILL');
  await until(() => spawned.length === 2, 'the second dockerd');
  assert.equal(supervisor.current, spawned[1]!.handle);
  spawned[1]!.ready();
  await until(() => events.length === 2, 'the restarted event');
  assert.deepEqual(events[0], { od: 'dockerd', status: 'exited', pid: 100, code: null, signal: 'SIGKILL', restart: true });
  assert.equal(events[1]!.status, 'restarted');
  assert.deepEqual({ ...events[1], ms: 0 }, { od: 'dockerd', status: 'restarted', attempt: 1, pid: 101, ms: 0 });
  assert.deepEqual(restarted, [1]);
  assert.equal(supervisor.restarts, 1);
  assert.match(lines.join('\n'), /warn: dockerd \(pid 100\) exited \(signal SIGKILL\) after \d+ ms; starting it again in 10 ms \(attempt 1\)/);
  await supervisor.stop();
});

test('the boot dockerd that never answers is the caller\'s failure: no restart', async () => {
  const { supervisor, spawned, events } = harness();
  const first = supervisor.start();
  spawned[0]!.die(1);
  await assert.rejects(first, { message: 'dockerd exited' });
  await sleep(50);
  assert.equal(spawned.length, 1);
  assert.deepEqual(events, []);
  assert.equal(supervisor.restartEnabled, false);
});

test('bootAttempts: a boot dockerd that exits before it answers is replaced at once, then the last failure is the caller\'s', async () => {
  const { supervisor, spawned, lines } = harness({ bootAttempts: 2 });
  const first = supervisor.start();
  spawned[0]!.die(1);
  await until(() => spawned.length === 2, 'the second boot dockerd');
  spawned[1]!.ready();
  assert.equal(await first, spawned[1]!.handle);
  assert.equal(supervisor.restartEnabled, true);
  assert.match(lines.join("\n"), /warn: dockerd \(pid 100\) ended before it was ready \(dockerd exited\); starting it again \(attempt 2 of 2\)/);
  await supervisor.stop();

  const twice = harness({ bootAttempts: 2 });
  const failing = twice.supervisor.start();
  twice.spawned[0]!.die(1);
  await until(() => twice.spawned.length === 2, 'the second boot dockerd');
  twice.spawned[1]!.die(1);
  await assert.rejects(failing, { message: 'dockerd exited' });
  assert.equal(twice.spawned.length, 2);
  assert.equal(twice.supervisor.restartEnabled, false);

  // Not answering in time is no early exit: no second dockerd.
  const slow = harness({ bootAttempts: 2 });
  const timedOut = slow.supervisor.start();
  slow.spawned[0]!.failReady(new Error('no answer within 60 s'));
  await assert.rejects(timedOut, { message: 'no answer within 60 s' });
  assert.equal(slow.spawned.length, 1);
  await slow.supervisor.stop();
});

test('quick deaths double the pause up to the maximum; attempts count up', async () => {
  const { supervisor, spawned, events, lines } = harness();
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  for (let n = 0; n < 4; n++) {
    spawned[n]!.die(2);
    await until(() => spawned.length === n + 2, `dockerd ${n + 2}`);
  }
  spawned[4]!.ready();
  await until(() => events.some((e) => e.status === 'restarted'), 'restarted');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('warn')).map((l) => /in (\d+) ms \(attempt (\d)\)/.exec(l)!.slice(1).join('@')),
    ['10@1', '20@2', '40@3', '40@4'],
  );
  const restarted = events.find((e) => e.status === 'restarted')!;
  assert.equal(restarted.status === 'restarted' && restarted.attempt, 4);
  await supervisor.stop();
});

test('stop(): no restart, SIGTERM, SIGKILL after the grace time', async () => {
  const { supervisor, spawned, events } = harness({ ignoreTerm: true });
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  const exit = await supervisor.stop();
  assert.deepEqual(spawned[0]!.signals, ['SIGTERM', 'SIGKILL']);
  assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
  await sleep(50);
  assert.equal(spawned.length, 1);
  assert.deepEqual(events, []);
  assert.equal(await supervisor.stop(), undefined, 'a second stop has nothing to do');
});

test('disableRestart() during the pause: nothing is started any more', async () => {
  const { supervisor, spawned } = harness({ minDelayMs: 200 });
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  spawned[0]!.die(null, 'SIGKILL');
  await sleep(20);
  supervisor.disableRestart();
  await sleep(300);
  assert.equal(spawned.length, 1);
});

test('a restarted dockerd that never answers is ended, and the next one tried', async () => {
  const { supervisor, spawned, events, lines } = harness();
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  spawned[0]!.die(null, 'SIGKILL');
  await until(() => spawned.length === 2, 'the second dockerd');
  spawned[1]!.failReady(new Error('no answer within 60 s'));
  await until(() => spawned.length === 3, 'the third dockerd');
  assert.deepEqual(spawned[1]!.signals, ['SIGTERM']);
  assert.match(lines.join('\n'), /the restarted dockerd \(pid 101\) does not answer: no answer within 60 s; ending it/);
  spawned[2]!.ready();
  await until(() => events.some((e) => e.status === 'restarted'), 'restarted');
  await supervisor.stop();
});

test('a spawn that throws counts as a quick death and is retried', async () => {
  const { supervisor, spawned, events, lines } = harness({ throwOnSpawn: (n) => n === 1 });
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  spawned[0]!.die(1);
  await until(() => spawned.length === 2, 'the retry after the failed spawn');
  assert.match(lines.join('\n'), /warn: cannot start dockerd: \/usr\/sbin\/dockerd is missing; trying again in 20 ms/);
  spawned[1]!.ready();
  await until(() => events.some((e) => e.status === 'restarted'), 'restarted');
  assert.equal(events.at(-1)?.status, 'restarted');
  await supervisor.stop();
});

test('restart(): ended on purpose, started again at once, resolves when back', async () => {
  const { supervisor, spawned, events, lines } = harness({ minDelayMs: 5000 });
  const first = supervisor.start();
  spawned[0]!.ready();
  await first;
  const restarted = supervisor.restart('a new server certificate');
  await until(() => spawned.length === 2, 'the new dockerd (no 5 s pause)', 1000);
  assert.deepEqual(spawned[0]!.signals, ['SIGTERM']);
  spawned[1]!.ready();
  const result = await restarted;
  assert.equal(result.handle, spawned[1]!.handle);
  assert.deepEqual(events.map((e) => e.status), ['exited', 'restarted']);
  assert.match(lines.join('\n'), /info: dockerd \(pid 100\) ended \(signal SIGTERM\) to restart it: a new server certificate/);
  assert.doesNotMatch(lines.join('\n'), /^warn/m);
  await supervisor.stop();
  await assert.rejects(supervisor.restart('again'), { name: 'RestartRefusedError' });
});
