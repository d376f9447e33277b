import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fwCfgConfigPath, fwCfgSource, readFwCfgConfig } from './fw-cfg-source.ts';
import { ConfigSourceError, ConfigSourceTooLargeError, maxConfigBytes } from './config-source.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

/** The entry directory qemu_fw_cfg makes for a file: `size` and `raw`. */
function fwCfgEntry(dir: string, content?: string, size = content?.length): string {
  const entry = join(dir, 'by_name/opt/org.only-docker/config');
  mkdirSync(entry, { recursive: true });
  if (size !== undefined) writeFileSync(join(entry, 'size'), `${size}\n`);
  if (content !== undefined) writeFileSync(join(entry, 'raw'), content);
  return join(entry, 'raw');
}

test('the name run.sh passes is the one read', () => {
  assert.equal(fwCfgConfigPath, '/sys/firmware/qemu_fw_cfg/by_name/opt/org.only-docker/config/raw');
  assert.equal(fwCfgSource, 'fw_cfg:opt/org.only-docker/config');
});

test('the file QEMU passed; nothing when there is none or no fw_cfg at all', async (t) => {
  const dir = tempDir(t);
  const text = 'hostname: from-the-host\n'.repeat(400); // more than a page, which sysfs gives per read
  assert.deepEqual(await readFwCfgConfig(fwCfgEntry(dir, text)), { source: 'fw_cfg:opt/org.only-docker/config', text });
  assert.equal(await readFwCfgConfig(join(dir, 'nothing/raw')), undefined);
  assert.equal(await readFwCfgConfig(join(dir, 'by_name/opt/org.only-docker/config/raw/x')), undefined);
});

test('a file over 1 MiB is refused by its size, before it is read; a FIFO is refused without blocking', async (t) => {
  const dir = tempDir(t);
  const raw = fwCfgEntry(dir, 'small', 5 * maxConfigBytes);
  await assert.rejects(readFwCfgConfig(raw), (error: Error) => {
    assert.ok(error instanceof ConfigSourceTooLargeError);
    assert.equal(error.message, `fw_cfg:opt/org.only-docker/config: ${5 * maxConfigBytes} bytes, more than the ${maxConfigBytes} a configuration may have: not read`);
    return true;
  });
  // Without a size file: the bounded read tells.
  const unsized = fwCfgEntry(join(dir, 'u'), 'x'.repeat(maxConfigBytes + 1), undefined);
  await assert.rejects(readFwCfgConfig(unsized), /: 1048577 bytes, more than the 1048576/);
  const fifoDir = join(dir, 'f');
  const fifo = join(fwCfgEntry(fifoDir), '..', 'raw');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readFwCfgConfig(fifo), (error: Error) => error instanceof ConfigSourceError && /is not a regular file/.test(error.message));
});
