import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter.ts';

test('whole lines across chunks, CRLF trimmed, the last line on end', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  splitter.push('time="1" level=info msg="a');
  splitter.push(Buffer.from('"\r\nsecond\nthi'));
  assert.deepEqual(lines, ['time="1" level=info msg="a"', 'second']);
  splitter.push('rd');
  splitter.end();
  assert.deepEqual(lines, ['time="1" level=info msg="a"', 'second', 'third']);
});

test('a line without an end is passed on in pieces', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l), 4);
  splitter.push('abcdefghij');
  assert.deepEqual(lines, ['abcd', 'efgh']);
  splitter.end();
  assert.deepEqual(lines, ['abcd', 'efgh', 'ij']);
});
