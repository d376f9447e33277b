import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskTimes } from './build-timing.ts';

test("task times come from the plain renderer's lines: each ✔ ends the time since the last one", () => {
  const times = taskTimes([
    { t: 900, text: 'npm warn something' },
    { t: 1000, text: '❯ Check the build host' },
    { t: 1010, text: '✔ Check the build host' },
    { t: 1500, text: '❯ Compile the init' },
    { t: 1600, text: '› esbuild' },
    { t: 4500, text: '✔ Compile the init: 86.8 MB' },
    { t: 9000, text: '✔ Write the initrd: unchanged (zstd), kept' },
  ]);
  assert.equal(times.startupMs, 1000);
  assert.deepEqual(times.tasks, [
    { title: 'Check the build host', ms: 10 },
    { title: 'Compile the init: 86.8 MB', ms: 3490 },
    { title: 'Write the initrd: unchanged (zstd), kept', ms: 4500 },
  ]);
  assert.deepEqual(taskTimes([]), { tasks: [] });
});
