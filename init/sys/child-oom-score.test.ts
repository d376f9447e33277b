import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { ChildTracker } from './child-tracker.ts';
import { spawnWithChildOomScore } from './child-oom-score.ts';

const self = '/proc/self/oom_score_adj';
const run = promisify(execFile);

// The real kernel files: this test process plays the init with a raised score (any
// process may raise its own) and its children must still start with 0.
test('children of the init start with the normal OOM score, not the init\'s', async () => {
  writeFileSync(self, '100\n');
  // The premise: without the tracker's hook a child inherits the parent's score.
  assert.equal((await run('cat', [self])).stdout.trim(), '100');

  new ChildTracker().install(spawnWithChildOomScore(self));
  assert.equal((await run('cat', [self])).stdout.trim(), '0');
  // execa's spawns and a shell's own children (forked after exec) too.
  assert.equal((await execa('sh', ['-c', `sh -c 'cat ${self}'`])).stdout.trim(), '0');
  // The init keeps its own score.
  assert.equal(readFileSync(self, 'utf8').trim(), '100');
});

test('a missing program is still a spawn error, not a shell\'s exit code', async () => {
  await assert.rejects(run('/nonexistent/od-program', []), { code: 'ENOENT' });
  assert.equal(readFileSync(self, 'utf8').trim(), '100');
});
