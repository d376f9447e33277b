import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, withTempDir } from './temp-dir.ts';

test('a test directory exists during the test and is gone after it', async () => {
  let seen = '';
  await test('inner', (t) => {
    seen = tempDir(t, 'od-helper-');
    writeFileSync(join(seen, 'f'), 'x');
    assert.ok(existsSync(join(seen, 'f')));
    assert.match(seen, /od-helper-/);
  });
  assert.ok(seen !== '' && !existsSync(seen));
});

test('a body directory is removed after the body, also when it throws', async () => {
  let kept = '';
  await assert.rejects(
    withTempDir('od-helper-', async (dir) => {
      kept = dir;
      writeFileSync(join(dir, 'f'), 'x');
      throw new Error('body failed');
    }),
    /body failed/,
  );
  assert.ok(kept !== '' && !existsSync(kept));
  assert.equal(await withTempDir('od-helper-', async (dir) => existsSync(dir)), true);
});
