#!/usr/bin/env node
// Runs one tier of tests with node's own test runner.
//   unit: every *.test.ts beside the code in contract/, builder/, bench/, qemu/, init/, scripts/ and test/helpers/ (fast, no VM)
//   vm:   every test/vm/*.test.ts (boots the built artifacts under QEMU, one at a time)
//   vm-pending: VM tests written but not yet seen passing on a quiet machine (test/vm-pending/);
//         not part of `npm test` until they have, then they move to test/vm/
// Extra arguments filter the files by substring, so one VM test runs alone with
//   npm run test:vm -- storage
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tiers = { unit: ['contract', 'builder', 'bench', 'qemu', 'init', 'scripts', 'test/helpers'], vm: ['test/vm'], 'vm-pending': ['test/vm-pending'] };
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
if (!tier.startsWith('vm')) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

// VM tests each boot a VM: one file at a time, never two VMs on a 2-core machine. A file
// that fails after the guest's kernel faulted by itself (an Oops in the kernel, not the
// init's death: the harness's QemuVm.stop() appends such faults to the file named by
// OD_KERNEL_FAULTS_LOG) runs again, loudly, up to four more times: Debian's kernel under
// multi-threaded TCG takes a stale breakpoint, which says nothing about our code, in
// about one boot of six to eight (5 of about 30 boots on 2 cores on 2026-12-02), so a
// file of three boots fails on it about two times in five, and three attempts would
// still leave a full run red one time in four or five. A failure without a kernel
// fault, or a fifth failure, stands.
const faultLog = join(mkdtempSync(join(tmpdir(), 'od-test-')), 'kernel-faults.jsonl');
writeFileSync(faultLog, '');
const faultsSoFar = () => readFileSync(faultLog, 'utf8').split('\n').filter(Boolean);
const maxAttempts = 5;
const failed = [];
const reran = [];
for (const file of files) {
  for (let attempt = 1; ; attempt++) {
    const before = faultsSoFar().length;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
      stdio: 'inherit',
      env: { ...process.env, OD_KERNEL_FAULTS_LOG: faultLog },
    });
    if (result.status === 0) break;
    const faults = faultsSoFar().slice(before).map((line) => JSON.parse(line));
    if (faults.length === 0 || attempt === maxAttempts) {
      failed.push(file);
      break;
    }
    const seen = faults.map((f) => `${f.vm}: ${f.oops ?? f.panic} (log: ${f.log})`).join('; ');
    console.error(`\nwarning: ${file} failed after the guest kernel faulted by itself (${seen}); running it again (attempt ${attempt + 1} of ${maxAttempts})\n`);
    reran.push(file);
  }
}
console.log(`\nVM test files: ${files.length - failed.length} of ${files.length} passed${reran.length ? `; run again after a kernel fault: ${reran.join(', ')}` : ''}`);
if (failed.length) console.log(`failed: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
