#!/usr/bin/env node
// Runs one tier of tests with node's own test runner.
//   unit: every *.test.ts beside the code in builder/ and init/ (fast, no VM)
//   vm:   every test/vm/*.test.ts (boots the built artifacts under QEMU, one at a time)
// Extra arguments filter the files by substring, so one VM test runs alone with
//   npm run test:vm -- storage
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tiers = { unit: ['builder', 'init', 'scripts'], vm: ['test/vm'] };
const [tier, ...filters] = process.argv.slice(2);
if (!tiers[tier]) {
  console.error(`usage: run-tests.mjs <${Object.keys(tiers).join('|')}> [filter...]`);
  process.exit(2);
}

function findTests(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = tiers[tier]
  .flatMap((dir) => findTests(dir))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no ${tier} tests match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
// VM tests each boot a VM: never more than one at a time on a 2-core machine.
const concurrency = tier === 'vm' ? ['--test-concurrency=1'] : [];
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...concurrency, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
