import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDebianVersions, DebianVersionError, satisfiesRelation } from './debian-version.ts';

const sign = (n: number): number => Math.sign(n);

test('policy 5.6.12: ~ sorts before everything, even the end of the part', () => {
  // The example policy gives: ~~ < ~~a < ~ < (empty) < a
  const ordered = ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a'];
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.equal(sign(compareDebianVersions(ordered[i]!, ordered[i + 1]!)), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.equal(sign(compareDebianVersions(ordered[i + 1]!, ordered[i]!)), 1);
  }
});

test('epoch wins over everything else; absent epoch is 0', () => {
  assert.equal(sign(compareDebianVersions('1:0.1', '9.9')), 1);
  assert.equal(compareDebianVersions('0:1.2-3', '1.2-3'), 0);
  assert.equal(sign(compareDebianVersions('2:1.02.185-2', '1:2.0-1')), 1);
});

test('digit runs compare numerically, letters before other characters', () => {
  assert.equal(sign(compareDebianVersions('1.10', '1.9')), 1);
  assert.equal(compareDebianVersions('1.002', '1.2'), 0);
  assert.equal(sign(compareDebianVersions('1.0a', '1.0+')), -1);
  assert.equal(sign(compareDebianVersions('1.0+b1', '1.0')), 1);
  assert.equal(sign(compareDebianVersions('1.0.0', '1.0')), 1);
});

test('the revision splits at the last hyphen and compares after the upstream part', () => {
  assert.equal(sign(compareDebianVersions('26.1.5+dfsg1-9+b9', '26.1.5+dfsg1-9+b10')), -1);
  assert.equal(sign(compareDebianVersions('6.12.57-1', '6.12.48-1')), 1);
  assert.equal(sign(compareDebianVersions('1.1.15+ds1-2+deb13u1', '1.1.15+ds1-2')), 1);
  assert.equal(sign(compareDebianVersions('1.2-3-4', '1.2-3-10')), -1);
  assert.equal(sign(compareDebianVersions('2.41-12~bpo12+1', '2.41-12')), -1);
  // no revision equals an empty one, and sorts below any
  assert.equal(sign(compareDebianVersions('1.0', '1.0-0')), 0);
  assert.equal(sign(compareDebianVersions('1.0', '1.0-1')), -1);
});

test('satisfiesRelation covers the five relations', () => {
  assert.equal(satisfiesRelation('2.41-12', '>=', '2.38'), true);
  assert.equal(satisfiesRelation('2.41-12', '<<', '2.41-12'), false);
  assert.equal(satisfiesRelation('2.41-12', '<=', '2.41-12'), true);
  assert.equal(satisfiesRelation('2.41-12', '=', '2.41-12'), true);
  assert.equal(satisfiesRelation('2.41-12', '>>', '2.41-11'), true);
});

test('a malformed version is a typed error', () => {
  assert.throws(() => compareDebianVersions('x:1', '1'), DebianVersionError);
  assert.throws(() => compareDebianVersions('1 2', '1'), DebianVersionError);
});
