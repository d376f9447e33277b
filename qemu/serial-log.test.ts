import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialLog, SerialLogFormatError } from './serial-log.ts';

function sample(): SerialLog {
  const log = new SerialLog();
  log.append('first li', 100);
  log.append('ne\r\nsecond line\n', 250);
  log.append('prompt # ', 400);
  return log;
}

test('a line is timed when its newline arrived, not when it began', () => {
  const lines = sample().lines();
  assert.deepEqual(
    lines.map((l) => [l.text, l.t]),
    [
      ['first line', 250],
      ['second line', 250],
      ['prompt # ', 400],
    ],
  );
  assert.equal(lines[1]!.offset, 'first line\r\n'.length);
});

test('timeAt gives the arrival of the chunk holding each character', () => {
  const log = sample();
  assert.equal(log.timeAt(0), 100);
  assert.equal(log.timeAt(7), 100);
  assert.equal(log.timeAt(8), 250);
  assert.equal(log.timeAt(log.length - 1), 400);
  assert.equal(log.timeAt(log.length + 10), 400, 'past the end: the last chunk');
  assert.ok(Number.isNaN(new SerialLog().timeAt(0)));
});

test('the JSON-lines form replays to the same transcript and times', () => {
  const log = sample();
  const again = SerialLog.fromJsonLines(log.toJsonLines());
  assert.equal(again.text, log.text);
  assert.deepEqual(again.lines(), log.lines());
  assert.throws(() => SerialLog.fromJsonLines('{"t":1}\n'), SerialLogFormatError);
  assert.throws(() => SerialLog.fromJsonLines('not json\n'), SerialLogFormatError);
});

test('the text form prefixes each line with seconds', () => {
  assert.equal(sample().toTimedText().split('\n')[0], '   0.250  first line');
});
