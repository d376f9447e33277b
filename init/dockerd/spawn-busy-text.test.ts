import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { spawnRetryingBusyText } from './spawn-dockerd.ts';

test('an executable still open for writing (ETXTBSY) is spawned once the writer has closed it', (t) => {
  const dir = tempDir(t);
  const program = join(dir, 'program');
  writeFileSync(program, '#!/bin/sh\nexit 0\n');
  chmodSync(program, 0o755);
  // Another process holds the file open for writing for 0.4 s, as the kernel's deferred close did.
  const writer = spawn('sh', ['-c', `exec 3>>"${program}"; sleep 0.4`], { stdio: 'ignore' });
  spawnSync('sleep', ['0.1']);
  let tries = 0;
  const child = spawnRetryingBusyText(() => {
    tries++;
    return spawn(program, [], { stdio: 'ignore' });
  });
  assert.ok(child.pid !== undefined);
  assert.ok(tries > 1, `the first spawn should have met ETXTBSY (tries: ${tries})`);
  writer.kill();
});

test('other errors and a file that stays busy are thrown', (t) => {
  const dir = tempDir(t);
  assert.throws(() => spawnRetryingBusyText(() => { throw Object.assign(new Error('nope'), { code: 'EPERM' }); }), /nope/);
  let tries = 0;
  assert.throws(
    () => spawnRetryingBusyText(() => { tries++; throw Object.assign(new Error(`spawn ETXTBSY ${dir}`), { code: 'ETXTBSY' }); }, 3),
    /ETXTBSY/,
  );
  assert.equal(tries, 3);
});
