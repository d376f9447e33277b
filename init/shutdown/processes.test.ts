import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupPids, liveUserProcesses, parseStatForKill } from './processes.ts';

const stat = (pid: number, comm: string, state: string, ppid: number, flags: number, tty = 0) =>
  `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} ${tty} -1 ${flags} 100 0 0 0 0 0 0 0 20 0 1 0 50 0 0\n`;

test('kernel threads, zombies and the init itself are not processes to signal', (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'od-proc-'));
  t.after(() => rmSync(proc, { recursive: true, force: true }));
  const entries: Array<[number, string]> = [
    [1, stat(1, 'init', 'S', 0, 0x400100)],
    [2, stat(2, 'kthreadd', 'S', 0, 0x208040)],
    [15, stat(15, 'kworker/0:1-events', 'I', 2, 0x4208060)],
    [300, stat(300, 'dockerd', 'S', 1, 0x400100)],
    [301, stat(301, 'sh (weird) name', 'S', 1, 0x400000, 1026)],
    [302, stat(302, 'gone', 'Z', 1, 0x400000)],
  ];
  for (const [pid, text] of entries) {
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), 'stat'), text);
  }
  mkdirSync(join(proc, 'self'));
  assert.deepEqual(
    liveUserProcesses(proc, 1).sort((a, b) => a.pid - b.pid),
    [
      { pid: 300, comm: 'dockerd', state: 'S', ttyNr: 0 },
      // tty2 is 4:2, i.e. 0x402.
      { pid: 301, comm: 'sh (weird) name', state: 'S', ttyNr: 1026 },
    ],
  );
  assert.equal(parseStatForKill(stat(15, 'kworker', 'I', 2, 0x4208060))?.kernelThread, true);
});

test('the pids of a cgroup tree', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'od-cg-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'abc'), { recursive: true });
  mkdirSync(join(root, 'def'), { recursive: true });
  writeFileSync(join(root, 'cgroup.procs'), '');
  writeFileSync(join(root, 'abc/cgroup.procs'), '100\n101\n');
  writeFileSync(join(root, 'def/cgroup.procs'), '200\n');
  assert.deepEqual(cgroupPids(root).sort(), [100, 101, 200]);
  assert.deepEqual(cgroupPids(join(root, 'missing')), []);
});
