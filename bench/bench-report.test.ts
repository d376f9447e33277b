import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialLog } from '../qemu/serial-log.ts';
import { parseBootTimeline } from './boot-timeline.ts';
import type { BootRun, InitKind } from './boot-run.ts';
import { compareMilestones, compareSteps, evaluateGoals, milestoneKeys, runRecords, type BenchReport } from './bench-report.ts';
import { milestoneTable, renderReport, summaryCell, terminalSummary } from './report-markdown.ts';
import { summarize } from './stats.ts';

function run(kind: InitKind, index: number, lines: [number, string][]): BootRun {
  const log = new SerialLog();
  for (const [t, text] of lines) log.append(text.endsWith('# ') ? text : `${text}\n`, t);
  return { kind, index, stopReason: 'console prompt', stoppedAt: 0, timeline: parseBootTimeline(log), logs: { serial: '', text: '' } };
}

const boot = (kind: InitKind, index: number, scale: number, withPrompt = false) =>
  run(kind, index, [
    [10_000 * scale, '[    9.8] Run /init as init process'],
    [11_000 * scale, '{"od":"step","name":"startDockerd","status":"start"}'],
    [30_000 * scale, '{"od":"docker","status":"ready","version":"20.10","apiVersion":"1.41"}'],
    [30_001 * scale, '{"od":"step","name":"startDockerd","status":"done","ms":19000}'],
    ...(withPrompt ? ([[50_000 * scale, '[only-docker console] ~ # ']] as [number, string][]) : []),
  ]);

test('milestones compare per init with min/median/max and the ratio; unreached ones are n/a', () => {
  const runs = [boot('real', 1, 1), boot('reference', 1, 1.1), boot('real', 2, 1.2), boot('reference', 2, 1), boot('real', 3, 0.9), boot('reference', 3, 1.3)];
  const milestones = compareMilestones(runs);
  assert.deepEqual(
    milestones.map((m) => m.key),
    ['initStart', 'dockerReady', 'dhcpBound', 'consolePrompt'],
    "the issue's milestones always have a row",
  );
  const docker = milestones.find((m) => m.key === 'dockerReady')!;
  assert.deepEqual(docker.real, { n: 3, runs: 3, min: 27_000, median: 30_000, max: 36_000 });
  assert.deepEqual(docker.reference, { n: 3, runs: 3, min: 30_000, median: 33_000, max: 39_000 });
  assert.ok(Math.abs(docker.ratio! - 30 / 33) < 1e-9);
  const dhcp = milestones.find((m) => m.key === 'dhcpBound')!;
  assert.equal(dhcp.ratio, undefined);
  assert.equal(summaryCell(dhcp.real), 'n/a');
  assert.match(milestoneTable(milestones), /\| DHCP lease \| n\/a \| n\/a \| n\/a \|/);
  assert.match(milestoneTable(milestones), /\| Docker ready \| 27\.0 \/ \*\*30\.0\*\* \/ 36\.0 \| 30\.0 \/ \*\*33\.0\*\* \/ 39\.0 \| 0\.91 \|/);
  const steps = compareSteps(runs);
  assert.equal(steps.length, 1);
  assert.equal(steps[0]!.real.median, 19_001);
});

test('a milestone only some runs reached says how many', () => {
  const runs = [boot('real', 1, 1), boot('real', 2, 1)];
  runs.push(run('real', 3, [[9_000, 'init: no kernel line here']]));
  const init = compareMilestones(runs).find((m) => m.key === 'initStart')!;
  assert.equal(init.real.n, 3);
  const docker = compareMilestones(runs).find((m) => m.key === 'dockerReady')!;
  assert.equal(summaryCell(docker.real), '30.0 / **30.0** / 30.0 (2 of 3 runs)');
  assert.deepEqual(milestoneKeys([]).map((m) => m.key), ['initStart', 'dockerReady', 'dhcpBound', 'consolePrompt']);
});

test('goals: met and missed with the margin, n/a when not measured', () => {
  const runs = [boot('real', 1, 1, true), boot('reference', 1, 0.8, true)];
  const goals = evaluateGoals({ milestones: compareMilestones(runs), isoBytes: 94_000_000, warmMs: 12_345, realRssKb: 70_000 });
  const byName = Object.fromEntries(goals.map((g) => [g.name.split(' ')[0], g]));
  assert.equal(byName.boot!.status, 'missed');
  assert.equal(byName.boot!.measured, '1.25 (50.0 s / 40.0 s)');
  assert.equal(byName.boot!.margin, 'by 0.25 (10.0 s slower)');
  assert.equal(byName.ISO!.status, 'missed');
  assert.equal(byName.ISO!.margin, 'by 4.0 MB');
  assert.equal(byName.warm!.status, 'met');
  assert.equal(byName.warm!.margin, '2.7 s to spare');
  assert.equal(byName["PID"]!.status, 'missed', '70 000 kB = 71.7 MB');

  const none = evaluateGoals({ milestones: compareMilestones([boot('real', 1, 1, false), boot('reference', 1, 1, true)]) });
  assert.deepEqual(
    none.map((g) => g.status),
    ['not measured', 'not measured', 'not measured', 'not measured'],
  );
  assert.match(none[0]!.measured, /no prompt from the real init/);
});

test('report.md has every section, the payload list, discarded runs and the noise warning', () => {
  const runs = [boot('real', 1, 1, true), boot('reference', 1, 0.8, true)];
  const milestones = compareMilestones(runs);
  const records = runRecords(runs);
  records[0]!.otherCores = 0.6;
  const report: BenchReport = {
    date: '2026-11-22 07:00 UTC',
    machine: { cpu: 'CPU', cores: 2, memoryGiB: 24, os: 'Debian 12', kernel: '6.1', qemu: 'QEMU emulator version 7.2' },
    settings: { runs: 1, accel: 'tcg', accelNote: 'tcg', memoryMb: 2048, cpus: 2, append: '', timeoutS: 300, graceS: 20, noisyRetries: 2 },
    milestones,
    steps: compareSteps(runs),
    rss: { real: summarize([52_000]), reference: summarize([1_800]), notes: [] },
    sizes: {
      real: { compressedBytes: 84e6, uncompressedBytes: 317e6, entries: 600, compression: 'zstd', level: 19 },
      reference: { compressedBytes: 60e6, uncompressedBytes: 230e6, entries: 600 },
      components: { init: { files: 2, bytes: 88e6 }, 'docker and tools': { files: 128, bytes: 196e6 } },
    },
    build: { thisRunMs: 10_000, thisRunCold: false, warmMs: 12_000, warmTasks: [{ title: 'Compile the init', ms: 3000 }], coldNote: 'not measured' },
    goals: evaluateGoals({ milestones, warmMs: 12_000, realRssKb: 52_000 }),
    payload: { equalCount: 1, differing: ['init'], unexpected: [], ok: true, entries: [] },
    runs: records,
    discardedRuns: runRecords([boot('real', 1, 2, true)]),
  };
  const md = renderReport(report, { svg: 'timeline.svg', png: 'timeline.png' });
  for (const heading of ['## Goals', '## Boot milestones', '## Steps', '## Memory', '## Sizes', '## Build time', '## Same payload', '## Runs']) {
    assert.ok(md.includes(`\n${heading}\n`), heading);
  }
  assert.match(md, /!\[boot timeline\]\(timeline\.png\)/);
  assert.match(md, /\*\*Warning:\*\* the host was busy .* during real 1 \(0\.60 cores\)/);
  assert.match(md, /Booted again because other work/);
  assert.match(md, /\*\*Only \/init differs\.\*\*/);
  assert.match(md, /\| ↳ docker and tools \| 196\.0 MB \| 128 files, 69 %/);
  assert.match(terminalSummary(report), /\| goal \| target \| measured \| result \|/);
});
