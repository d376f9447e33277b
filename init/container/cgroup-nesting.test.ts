import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { nestCgroups } from './cgroup-nesting.ts';

const cgroupRoot = (t: { after(fn: () => unknown): void }) => tempDir(t, 'od-cgroup-');

test('v2: each process is written to init/cgroup.procs, then every controller is enabled', (t) => {
  const root = cgroupRoot(t);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(root, 'cgroup.procs'), '1\n23\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  const result = nestCgroups(root);
  assert.deepEqual(result, { version: 'v2', moved: 2, controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] });
  // A plain file concatenates the writes; the kernel takes them one pid per write.
  assert.equal(readFileSync(join(root, 'init', 'cgroup.procs'), 'utf8'), '123');
  assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpuset +cpu +io +memory +pids');
});

test('v1 (no cgroup.controllers): nothing to do', (t) => {
  assert.deepEqual(nestCgroups(cgroupRoot(t)), { version: 'v1', moved: 0, controllers: [] });
});
