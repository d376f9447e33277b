import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setConsoleLogLevel, shouldQuietKernelConsole } from './kernel-log-level.ts';
import { parseConfig } from '../config/options.ts';

test('the console log level is lowered unless someone chose one', () => {
  assert.equal(shouldQuietKernelConsole(parseConfig('console=ttyS0,115200').config), true);
  assert.equal(shouldQuietKernelConsole(parseConfig('console=ttyS0 od.debug').config), false);
  for (const chosen of ['loglevel=7', 'quiet', 'debug', 'ignore_loglevel']) {
    assert.equal(shouldQuietKernelConsole(parseConfig(`console=ttyS0 ${chosen}`).config), false, chosen);
  }
  assert.equal(shouldQuietKernelConsole(parseConfig('od.loglevel=3').config), true);
});

test('setConsoleLogLevel writes the first field of printk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'od-printk-'));
  try {
    const path = join(dir, 'printk');
    writeFileSync(path, '7\t4\t1\t7\n');
    setConsoleLogLevel(path, 4);
    assert.equal(readFileSync(path, 'utf8'), '4\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
