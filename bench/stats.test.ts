import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, medianRunIndex, ratio, summarize } from './stats.ts';

test('median of odd and even counts, unsorted input', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.equal(median([]), undefined);
});

test('summaries leave out missing values and say how many there were', () => {
  assert.deepEqual(summarize([30, undefined, 10, 20]), { n: 3, runs: 4, min: 10, median: 20, max: 30 });
  assert.deepEqual(summarize([undefined, undefined]), { n: 0, runs: 2 });
  assert.deepEqual(summarize([Number.NaN, 5]), { n: 1, runs: 2, min: 5, median: 5, max: 5 });
});

test('the ratio is real over reference, of the medians, and undefined without both', () => {
  assert.equal(ratio(summarize([30, 40, 50]), summarize([20, 20, 25])), 2);
  assert.equal(ratio(summarize([undefined]), summarize([1])), undefined);
  assert.equal(ratio(summarize([1]), summarize([0])), undefined);
});

test('the median run is the one with the middle value (lower middle for an even count)', () => {
  assert.equal(medianRunIndex([50, 30, 40]), 2);
  assert.equal(medianRunIndex([undefined, 30, 10, 20, 40]), 3);
  assert.equal(medianRunIndex([undefined]), undefined);
});
