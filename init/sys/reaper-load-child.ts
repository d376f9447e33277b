// Run by reaper-load.test.ts in a process of its own: it makes itself a child
// subreaper (what PID 1 is by nature), so orphans are re-parented to it, then runs an
// orphan storm and a crowd of its own children at the same time, and reports on stdout
// whether every exit code arrived and no zombie was left.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildTracker } from './child-tracker.ts';
import { loadKoffi } from './koffi.ts';
import { createLibcSys } from './libc.ts';
import { parseProcStat, ZombieReaper } from './reaper.ts';

const PR_SET_CHILD_SUBREAPER = 36;
const [shells = 10, orphansPerShell = 20, ownChildren = 100] = process.argv.slice(2).map(Number);

const koffi = loadKoffi();
const prctl = koffi.load('libc.so.6').func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) throw new Error('prctl(PR_SET_CHILD_SUBREAPER) failed');

const tracker = new ChildTracker();
tracker.install();
const reaper = new ZombieReaper({ sys: createLibcSys(koffi), tracker, intervalMs: 1000 });
reaper.start();

function zombiesOfUs(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat?.state === 'Z' && stat.ppid === process.pid) found.push(stat.pid);
    } catch {
      // gone
    }
  }
  return found;
}

const started = performance.now();
// Each shell leaves sleeps behind and exits: they come to us when they end.
const storm = Array.from({ length: shells }, (_, n) =>
  new Promise<void>((resolve) => {
    const script = `i=0; while [ $i -lt ${orphansPerShell} ]; do (sleep 0.$(( (i + ${n}) % 5 + 1 )) &); i=$((i+1)); done`;
    spawn('sh', ['-c', script], { stdio: 'ignore' }).once('exit', () => resolve());
  }),
);
// Our own children, with exit codes the reaper must not take from libuv.
const mismatches: string[] = [];
const own = Array.from({ length: ownChildren }, (_, n) =>
  new Promise<void>((resolve) => {
    const code = (n * 7) % 256;
    const delay = `0.${n % 4}`;
    if (n % 2) {
      spawn('sh', ['-c', `sleep ${delay}; exit ${code}`], { stdio: 'ignore' }).once('exit', (got) => {
        if (got !== code) mismatches.push(`spawn #${n}: expected ${code}, got ${got}`);
        resolve();
      });
    } else {
      execFile('sh', ['-c', `sleep ${delay}; exit ${code}`], (error) => {
        const got = error ? (error as { code?: unknown }).code : 0;
        if (got !== code) mismatches.push(`execFile #${n}: expected ${code}, got ${String(got)}`);
        resolve();
      });
    }
  }),
);
await Promise.all([...storm, ...own]);
// The last orphans sleep up to 0.5 s after their shells ended.
let left = zombiesOfUs();
for (let i = 0; i < 40 && (left.length > 0 || reaper.reaped < shells * orphansPerShell); i++) {
  await sleep(100);
  left = zombiesOfUs();
}
process.stdout.write(
  `${JSON.stringify({
    ms: Math.round(performance.now() - started),
    reaped: reaper.reaped,
    scans: reaper.scans,
    scanMs: Math.round(reaper.scanMs),
    mismatches,
    zombiesLeft: left,
    tracked: tracker.size,
  })}\n`,
);
process.exit(0);
