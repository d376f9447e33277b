import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { koffiCandidates } from './koffi.ts';
import { existsSync } from 'node:fs';

// The reaper under load, with real processes: an orphan storm (200 sleeps re-parented
// to the test's subreaper) while 100 children of its own exit with known codes.
test('an orphan storm is reaped completely and no child of our own loses its exit code', { timeout: 60_000 }, (t) => {
  if (process.platform !== 'linux' || !koffiCandidates().some((p) => existsSync(p))) {
    t.skip('needs Linux and koffi');
    return;
  }
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'reaper-load-child.ts'), '10', '20', '100'], {
    encoding: 'utf8',
    timeout: 50_000,
  });
  const result = JSON.parse(out.trim().split('\n').pop()!) as {
    ms: number;
    reaped: number;
    scans: number;
    scanMs: number;
    mismatches: string[];
    zombiesLeft: number[];
    tracked: number;
  };
  t.diagnostic(`reaper: ${result.reaped} orphans in ${result.ms} ms, ${result.scans} scans taking ${result.scanMs} ms`);
  assert.deepEqual(result.mismatches, [], 'every child of our own got its own exit code');
  assert.deepEqual(result.zombiesLeft, [], 'no zombie left whose parent is the subreaper');
  assert.equal(result.reaped, 200, 'every orphan was reaped by the reaper');
  assert.equal(result.tracked, 0, 'libuv reaped all of its own');
});
