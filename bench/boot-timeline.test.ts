import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialLog } from '../qemu/serial-log.ts';
import { mergeStepOrder, parseBootTimeline, stepDuration } from './boot-timeline.ts';

// Transcripts recorded by `make bench` (trimmed to the lines that matter, chunk times kept).
const fixture = (name: string) => SerialLog.fromJsonLines(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.serial.jsonl`), 'utf8'));

test('a recorded real-init boot: kernel milestones, Docker ready, steps; later milestones missing', () => {
  const timeline = parseBootTimeline(fixture('real-init'));
  assert.equal(timeline.milestones.initrdUnpackStart, 7185.9);
  assert.equal(timeline.milestones.initrdUnpacked, 14198.3);
  assert.equal(timeline.milestones.initStart, 15906.1, 'the kernel\'s "Run /init as init process" line');
  assert.ok(timeline.milestones.dockerReady! > 40_000);
  assert.equal(timeline.milestones.bootDone, timeline.milestones.dockerReady);
  assert.equal(timeline.milestones.dhcpBound, undefined);
  assert.equal(timeline.milestones.consolePrompt, undefined);
  assert.equal(timeline.outcome, 'done');
  assert.deepEqual(
    timeline.steps.map((s) => s.name),
    ['mountPseudoFilesystems', 'readConfig', 'protectInit', 'loadModules', 'setHostname', 'loopbackUp', 'startDockerd'],
  );
  const dockerd = timeline.steps.find((s) => s.name === 'startDockerd')!;
  assert.equal(dockerd.status, 'done');
  assert.equal(dockerd.guestMs, 20669);
  assert.ok(Math.abs(stepDuration(dockerd)! - 20669) < 300, 'host and guest agree on the duration');
});

test('a recorded reference boot: DHCP lease, console event and the prompt timed by its own bytes', () => {
  const log = fixture('reference-init');
  const timeline = parseBootTimeline(log);
  const m = timeline.milestones;
  assert.ok(m.initStart! < m.dockerReady! && m.dockerReady! < m.dhcpBound! && m.dhcpBound! < m.consoleReady!);
  // The prompt has no newline: it is timed by the chunk that brought it, not by the
  // later newline of the command typed after it.
  assert.equal(m.consolePrompt, 56604.1);
  assert.deepEqual(timeline.order.slice(0, 3), ['initrdUnpackStart', 'initrdUnpacked', 'initStart']);
  assert.ok(timeline.order.indexOf('consolePrompt') > timeline.order.indexOf('dhcpBound'));
  assert.equal(timeline.steps.find((s) => s.name === 'mountDockerDisk')!.status, 'skipped');
  assert.equal(timeline.steps.length, 10);
});

test('events nobody taught the parser become milestones named after them', () => {
  const log = new SerialLog();
  log.append('init: hello\n', 1000);
  log.append('{"od":"disk","status":"mounted","device":"/dev/vda"}\n', 2000);
  log.append('{"od":"memory","rssKb":51234}\n', 2500);
  const timeline = parseBootTimeline(log);
  assert.equal(timeline.milestones['event:disk:mounted'], 2000);
  assert.equal(timeline.labels['event:disk:mounted'], 'disk mounted');
  assert.equal(timeline.rssKb, 51234);
  assert.equal(timeline.milestones.initStart, 1000, "without the kernel's line, the init's first line");
  assert.deepEqual(timeline.order, ['initStart', 'event:disk:mounted', 'event:memory']);
});

test('a failed step is recorded with its error, and the boot outcome', () => {
  const log = new SerialLog();
  log.append('{"od":"step","name":"startDockerd","status":"start"}\n', 100);
  log.append('{"od":"step","name":"startDockerd","status":"failed","ms":49,"error":"no dockerd"}\n', 150);
  log.append('{"od":"step","name":"runDhcp","status":"skipped","ms":0}\n', 151);
  log.append('{"od":"boot","status":"failed","ms":200}\n', 160);
  const timeline = parseBootTimeline(log);
  assert.equal(timeline.failedStep, 'startDockerd');
  assert.equal(timeline.outcome, 'failed');
  assert.equal(timeline.steps[0]!.error, 'no dockerd');
  assert.equal(stepDuration(timeline.steps[0]!), 50);
  assert.equal(stepDuration(timeline.steps[1]!), 0, 'skipped without a start line');
  assert.equal(timeline.milestones.bootDone, undefined);
  assert.equal(timeline.milestones['event:boot:failed'], 160);
});

test('step orders merge: the first boot leads, steps of another boot follow their predecessor', () => {
  assert.deepEqual(
    mergeStepOrder([
      ['mount', 'readConfig', 'modules', 'dockerd', 'console'],
      ['mount', 'modules', 'disk', 'dockerd', 'images', 'dhcp', 'console'],
    ]),
    ['mount', 'readConfig', 'modules', 'disk', 'dockerd', 'images', 'dhcp', 'console'],
  );
  assert.deepEqual(mergeStepOrder([[], ['a', 'b']]), ['a', 'b']);
});
