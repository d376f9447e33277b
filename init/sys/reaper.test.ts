import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ChildTracker } from './child-tracker.ts';
import { findOrphanZombies, listChildren, parseProcStat, ZombieReaper } from './reaper.ts';
import { fakeSys } from '../testing/fake-sys.ts';

test('parseProcStat copes with spaces and parentheses in the command name', () => {
  assert.deepEqual(parseProcStat('1234 (sh) Z 1 1234 1234 0 -1 4194564'), { pid: 1234, comm: 'sh', state: 'Z', ppid: 1 });
  assert.deepEqual(parseProcStat('77 (a b) (c)) S 12 77 77 0'), { pid: 77, comm: 'a b) (c)', state: 'S', ppid: 12 });
  assert.equal(parseProcStat('garbage'), undefined);
});

function fakeProc(t: { after(fn: () => void): void }, stats: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'od-proc-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const stat of stats) {
    const pid = stat.split(' ')[0]!;
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'stat'), stat);
  }
  mkdirSync(join(root, 'self'));
  writeFileSync(join(root, 'uptime'), '1.0 1.0');
  return root;
}

test('finds zombies of PID 1 only, leaving tracked ones to libuv', (t) => {
  const proc = fakeProc(t, [
    '10 (dockerd) S 1 10 10 0',
    '11 (orphan) Z 1 11 11 0',
    '12 (tracked) Z 1 12 12 0',
    '13 (not-ours) Z 10 13 13 0',
  ]);
  const zombies = findOrphanZombies(proc, 1, (pid) => pid === 12);
  assert.deepEqual(zombies.map((z) => z.pid), [11]);
});

test('reaps each zombie by pid with WNOHANG, never -1', (t) => {
  const proc = fakeProc(t, ['21 (a) Z 1 0', '22 (b) Z 1 0']);
  const sys = fakeSys();
  sys.waitResults.set(21, { pid: 21, status: 0 });
  sys.failNext('waitpid', 'ECHILD');
  const reaper = new ZombieReaper({ sys, tracker: new ChildTracker(), procRoot: proc, parentPid: 1 });
  const reaped = reaper.reapOnce();
  // readdir order is not guaranteed; the first waitpid hits ECHILD, which is ignored.
  assert.ok(reaped.length <= 1);
  assert.deepEqual(sys.calls.map((c) => c.args[1]).sort(), [1, 1]);
  assert.deepEqual(sys.calls.map((c) => c.args[0]).sort(), [21, 22]);
});

test('the tracker sees children spawned through child_process and forgets them on exit', async () => {
  const tracker = new ChildTracker();
  tracker.install();
  tracker.install(); // idempotent
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 50)']);
  assert.ok(child.pid && tracker.has(child.pid));
  await new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(tracker.has(child.pid!), false);
});

test('listChildren reads every thread\'s children file; undefined without them', (t) => {
  const proc = fakeProc(t, []);
  mkdirSync(join(proc, '1/task/1'), { recursive: true });
  mkdirSync(join(proc, '1/task/7'), { recursive: true });
  writeFileSync(join(proc, '1/task/1/children'), '31 32 ');
  writeFileSync(join(proc, '1/task/7/children'), '');
  assert.deepEqual(listChildren(proc, 1)?.sort(), [31, 32]);
  mkdirSync(join(proc, '2/task/2'), { recursive: true });
  assert.equal(listChildren(proc, 2), undefined, 'a kernel without CONFIG_PROC_CHILDREN');
  assert.equal(listChildren(proc, 3), undefined);
});

test('the fast pass looks only at our children; without children files it scans all', (t) => {
  const proc = fakeProc(t, ['31 (shim) Z 1 0', '32 (tracked) Z 1 0', '40 (orphan) Z 1 0']);
  mkdirSync(join(proc, '1/task/1'), { recursive: true });
  writeFileSync(join(proc, '1/task/1/children'), '31 32');
  assert.deepEqual(findOrphanZombies(proc, 1, (pid) => pid === 32, { fast: true }).map((z) => z.pid), [31]);
  assert.deepEqual(findOrphanZombies(proc, 1, (pid) => pid === 32).map((z) => z.pid).sort(), [31, 40]);
  rmSync(join(proc, '1/task'), { recursive: true });
  assert.deepEqual(findOrphanZombies(proc, 1, (pid) => pid === 32, { fast: true }).map((z) => z.pid).sort(), [31, 40]);
});
