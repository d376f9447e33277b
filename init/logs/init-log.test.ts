import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InitLog } from './init-log.ts';
import { RotatingLog } from './rotating-log.ts';

const clock = () => new Date('2026-11-22T05:00:00.000Z');

function setup(t: { after(fn: () => void): void }, maxBufferedLines?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'od-initlog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'only-docker-init.log');
  const log = new InitLog({ file: new RotatingLog({ path }), clock, ...(maxBufferedLines ? { maxBufferedLines } : {}) });
  return { path, log };
}

test('lines before start wait, then go first, with their times', (t) => {
  const { path, log } = setup(t);
  log.line('init: early');
  assert.equal(existsSync(path), false);
  log.start(true);
  log.line('{"od":"step","name":"x","status":"start"}');
  assert.equal(
    readFileSync(path, 'utf8'),
    '2026-11-22T05:00:00.000Z init: early\n2026-11-22T05:00:00.000Z {"od":"step","name":"x","status":"start"}\n',
  );
});

test('od.log=console keeps nothing', (t) => {
  const { path, log } = setup(t);
  log.line('init: early');
  log.start(false);
  log.line('init: later');
  assert.equal(existsSync(path), false);
});

test('the early buffer is bounded and says what it dropped', (t) => {
  const { path, log } = setup(t, 2);
  for (const n of [1, 2, 3, 4]) log.line(`init: ${n}`);
  log.start(true);
  assert.match(readFileSync(path, 'utf8'), /init: 1\n.*init: 2\n.*init: \(2 early lines not kept\)\n$/);
});
