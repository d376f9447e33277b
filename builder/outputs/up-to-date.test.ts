import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUpToDate, stampPath, writeStamp } from './up-to-date.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('an output is up to date only when newer than its inputs and made with the same parameters', async (t) => {
  const dir = tempDir(t, 'od-uptodate-');
  const input = join(dir, 'vmlinuz');
  const output = join(dir, 'out.iso');
  await writeFile(input, 'k');
  const check = { output, inputs: [input], parameters: { cmdline: 'a' } };
  assert.equal(await isUpToDate(check), false, 'no output yet');

  await writeFile(output, 'iso');
  await utimes(input, 1000, 1000);
  await utimes(output, 2000, 2000);
  assert.equal(await isUpToDate(check), false, 'no stamp yet');
  await writeStamp(check);
  assert.match(stampPath(output), /\/\.out\.iso\.stamp$/);
  assert.equal(await isUpToDate(check), true);

  assert.equal(await isUpToDate({ ...check, parameters: { cmdline: 'b' } }), false, 'parameters changed');
  await utimes(input, 3000, 3000);
  assert.equal(await isUpToDate(check), false, 'input newer');
  assert.equal(await isUpToDate({ ...check, inputs: [join(dir, 'missing')] }), false, 'input missing');
});
