import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bootPlan } from './plan.ts';

/** The rows of init/README.md's plan table: step name and whether it is required. */
function readmePlan(): Array<{ name: string; required: boolean }> {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('The plan'));
  assert.ok(section, 'init/README.md has a section "The plan"');
  return [...section.matchAll(/^\| `(\w+)` \| (yes|no) \|/gm)].map((row) => ({ name: row[1]!, required: row[2] === 'yes' }));
}

test("init/README.md's plan table is the boot order of plan.ts, with the same required steps", () => {
  assert.deepEqual(
    bootPlan.map((s) => ({ name: s.name, required: s.required })),
    readmePlan(),
  );
});

test('only the mounts (the pseudo-filesystems, the system image that holds Docker) and dockerd are required', () => {
  assert.deepEqual(
    bootPlan.filter((s) => s.required).map((s) => s.name),
    ['mountPseudoFilesystems', 'mountSystemImage', 'startDockerd'],
  );
});

test('step names are unique camelCase', () => {
  const names = bootPlan.map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^[a-z][a-zA-Z0-9]*$/);
});
