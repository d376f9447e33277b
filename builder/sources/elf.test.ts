import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readElfInterpreter } from './elf.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

describe('readElfInterpreter (the ELF reader)', () => {
  it('names the loader of a dynamically linked executable', async () => {
    assert.equal(await readElfInterpreter(process.execPath), '/lib64/ld-linux-x86-64.so.2');
  });

  it('gives nothing for a static binary', { skip: !existsSync('/bin/busybox') && 'no busybox on this host' }, async () => {
    assert.equal(await readElfInterpreter('/bin/busybox'), undefined);
  });

  it('gives nothing for scripts and short files', async (t) => {
    const dir = tempDir(t, 'elf-interpreter-');
    await writeFile(join(dir, 'script'), '#!/bin/sh\nexit 0\n');
    await writeFile(join(dir, 'short'), '\x7fELF');
    assert.equal(await readElfInterpreter(join(dir, 'script')), undefined);
    assert.equal(await readElfInterpreter(join(dir, 'short')), undefined);
  });
});
