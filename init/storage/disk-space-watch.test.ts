import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { DiskSpaceWatch, isFull, readSpace, type SpaceReading } from './disk-space-watch.ts';
import { MiB } from './blank-disk.ts';

test('full means less than 2 % or 64 MiB left', () => {
  assert.equal(isFull({ freeBytes: 63 * MiB, totalBytes: 1024 * MiB }), true);
  assert.equal(isFull({ freeBytes: 100 * MiB, totalBytes: 1024 * MiB }), false);
  assert.equal(isFull({ freeBytes: 1000 * MiB, totalBytes: 100_000 * MiB }), true);
  // The real call on a real filesystem.
  const here = readSpace(tmpdir());
  assert.ok(here.totalBytes > 0 && here.freeBytes >= 0 && here.freeBytes <= here.totalBytes);
});

test('the console hears once when the disk fills and once when it has room again', () => {
  let reading: SpaceReading = { freeBytes: 500 * MiB, totalBytes: 1024 * MiB };
  const lines: string[] = [];
  const watch = new DiskSpaceWatch({ path: '/var/lib/docker', read: () => reading, warn: (m) => lines.push(`warn: ${m}`), info: (m) => lines.push(`info: ${m}`) });
  watch.check();
  assert.deepEqual(lines, []);
  reading = { freeBytes: 0, totalBytes: 1024 * MiB };
  watch.check();
  watch.check();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^warn: \/var\/lib\/docker is full: 0 MiB left of 1024 MiB\. /);
  reading = { freeBytes: 900 * MiB, totalBytes: 1024 * MiB };
  watch.check();
  assert.deepEqual(lines.slice(1), ['info: /var/lib/docker has room again: 900 MiB free of 1024 MiB']);
  // A path that cannot be read is no change.
  new DiskSpaceWatch({ path: '/nonexistent/od', warn: () => assert.fail('warn'), info: () => assert.fail('info') }).check();
});
