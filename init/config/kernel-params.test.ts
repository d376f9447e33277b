import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeCmdline } from './cmdline.ts';
import { consoleTerminals, kernelConfig } from './kernel-params.ts';

const terminals = (cmdline: string) => consoleTerminals(tokenizeCmdline(cmdline));

test("consoleTerminals: the kernel's console= in order, tty0 as tty1, both without any", () => {
  assert.deepEqual(terminals('BOOT_IMAGE=/vmlinuz console=tty0 console=ttyS0,115200n8 quiet'), ['tty1', 'ttyS0']);
  assert.deepEqual(terminals('console=ttyS0,115200 od.debug'), ['ttyS0']);
  assert.deepEqual(terminals('console=/dev/ttyS1 console=ttyS1'), ['ttyS1']);
  assert.deepEqual(terminals('root=/dev/sda'), ['ttyS0', 'tty1']);
  assert.deepEqual(terminals('console=null console=lp0'), ['ttyS0', 'tty1']);
});

test('a console log level chosen on the command line: loglevel=, quiet, debug, ignore_loglevel (not od.*)', () => {
  assert.equal(kernelConfig(tokenizeCmdline('console=ttyS0,115200')).logLevelChosen, false);
  for (const chosen of ['loglevel=7', 'quiet', 'debug', 'ignore_loglevel']) {
    assert.equal(kernelConfig(tokenizeCmdline(`console=ttyS0 ${chosen}`)).logLevelChosen, true, chosen);
  }
  assert.equal(kernelConfig(tokenizeCmdline('od.loglevel=3')).logLevelChosen, false);
});
