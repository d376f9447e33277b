import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootConsole, textSink } from '../console.ts';
import { dockerdRestarted, dockerReady, stepEnd, stepFailed, stepStart } from '../../contract/events.ts';
import { BootTimeline, initExecUptimeMs, type BootTimelineDocument } from './boot-timeline.ts';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'od-timeline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 0;
  const path = join(dir, 'run/only-docker/boot-timeline.json');
  const timeline = new BootTimeline({
    paths: [path],
    now: () => now,
    initExecAt: new Date('2026-11-22T05:00:00.000Z'),
    initExecUptimeMs: () => 6500,
  });
  const read = () => JSON.parse(readFileSync(path, 'utf8')) as BootTimelineDocument;
  return { timeline, read, dir, path, at: (ms: number) => (now = ms) };
}

test('steps with start offsets and durations, events as milestones, written as it goes', (t) => {
  const { timeline, read, at } = setup(t);
  at(2000);
  timeline.observe(stepStart('mountPseudoFilesystems'));
  at(2150);
  timeline.observe(stepEnd('mountPseudoFilesystems', 'done', 146));
  assert.deepEqual(read().steps, [{ name: 'mountPseudoFilesystems', status: 'done', startMs: 2000, ms: 146 }]);
  at(2200);
  timeline.observe(stepStart('startDockerd'));
  at(14000);
  timeline.observe(dockerReady('20.10.24+dfsg1', '1.41'));
  const during = read();
  assert.equal(during.steps[1]?.status, 'running', 'a long step shows as running while the boot waits on it');
  at(14100);
  timeline.observe(stepFailed('startDockerd', 11900, 'no answer'));
  at(14200);
  timeline.observe(stepEnd('startConsole', 'skipped', 0));
  at(60000);
  timeline.observe(dockerdRestarted(1, 456, 11000));
  const doc = read();
  assert.equal(doc.version, 1);
  assert.equal(doc.initExecUptimeMs, 6500);
  assert.equal(doc.initExecAt, '2026-11-22T05:00:00.000Z');
  assert.deepEqual(doc.steps.slice(1), [
    { name: 'startDockerd', status: 'failed', startMs: 2200, ms: 11900, error: 'no answer' },
    { name: 'startConsole', status: 'skipped', startMs: 14200, ms: 0 },
  ]);
  assert.deepEqual(doc.milestones, [
    { name: 'docker.ready', atMs: 14000, detail: { version: '20.10.24+dfsg1', apiVersion: '1.41' } },
    { name: 'dockerd.restarted', atMs: 60000, detail: { attempt: 1, pid: 456, ms: 11000 } },
  ]);
  assert.equal(doc.updatedMs, 60000);
});

test('an unwritable path is reported once and does not stop the others', (t) => {
  const { dir, path } = setup(t);
  writeFileSync(join(dir, 'file'), '');
  const errors: string[] = [];
  const timeline = new BootTimeline({ paths: [join(dir, 'file/boot-timeline.json'), path], onError: (m) => errors.push(m) });
  timeline.observe({ od: 'boot', status: 'done', ms: 1 });
  timeline.observe({ od: 'boot', status: 'done', ms: 2 });
  assert.equal(errors.length, 1);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as BootTimelineDocument).milestones.length, 2);
});

test('as a console sink the timeline sees every event after the terminal printed it, and a failing sink costs nothing', (t) => {
  const { path } = setup(t);
  const lines: string[] = [];
  const seen: string[] = [];
  const timeline = new BootTimeline({ paths: [path], now: () => 10 });
  const console = new BootConsole(textSink((l) => lines.push(l)), timeline.sink, (record) => {
    seen.push(`${record.kind}:${lines.length}`);
    throw new Error('a sink bug');
  });
  console.event(dockerReady('1', '2'));
  console.info('not an event');
  console.dockerd('level=info');
  assert.deepEqual(seen, ['event:1', 'init:2', 'dockerd:3']);
  assert.deepEqual(lines, ['{"od":"docker","status":"ready","version":"1","apiVersion":"2"}', 'init: not an event', 'dockerd: level=info']);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as BootTimelineDocument;
  assert.deepEqual(doc.milestones.map((m) => m.name), ['docker.ready']);
});

test('the uptime at exec from /proc/uptime, or null before /proc is there', () => {
  assert.equal(initExecUptimeMs(() => '12.50 20.00\n', () => 2500), 10000);
  assert.equal(
    initExecUptimeMs(() => {
      throw new Error('ENOENT');
    }),
    null,
  );
});
