import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { readConfig } from './read-config.ts';
import { setHostname } from './set-hostname.ts';
import { loopbackUp } from './loopback-up.ts';
import { loadModules } from './load-modules.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('readConfig reports bad values and unknown keys, keeps booting with defaults', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'cmdline'), 'console=ttyS0 od.hostname=lab od.dockerd.timeout=never od.colour=blue od.debug\n');
  const ctx = fakeContext({ procCmdline: join(dir, 'cmdline') });
  await readConfig.run(ctx);
  assert.equal(ctx.config.hostname, 'lab');
  assert.equal(ctx.config.dockerd.timeoutMs, 120000);
  assert.equal(ctx.console.debugEnabled, true);
  assert.deepEqual(
    ctx.lines.filter((l) => l.includes('warning')),
    [
      'init: warning: bad value od.dockerd.timeout="never": expected a number of seconds, e.g. 90 or 90s; using the default (120s)',
      'init: warning: unknown option od.colour="blue" ignored',
    ],
  );
});

test('setHostname uses the configured name; loopbackUp brings lo up', async () => {
  const ctx = fakeContext();
  ctx.config.hostname = 'box';
  await setHostname.run(ctx);
  await loopbackUp.run(ctx);
  assert.deepEqual(ctx.sys.calls, [
    { name: 'sethostname', args: ['box'] },
    { name: 'setInterfaceUp', args: ['lo'] },
  ]);
});

test('loadModules skips itself without a list, and loads from the list with one', async (t) => {
  const dir = tempDir(t);
  const ctx = fakeContext({ modulesRoot: dir, procModules: join(dir, 'proc-modules'), sysModule: join(dir, 'sys-module') });
  assert.deepEqual(await loadModules.run(ctx), { skipped: `no module list at ${dir}/6.1.0-test-amd64/only-docker.load (kernel 6.1.0-test-amd64)` });

  const moduleDir = join(dir, '6.1.0-test-amd64');
  mkdirSync(join(moduleDir, 'kernel'), { recursive: true });
  writeFileSync(join(moduleDir, 'kernel/overlay.ko'), '');
  writeFileSync(join(moduleDir, 'kernel/veth.ko'), '');
  writeFileSync(join(moduleDir, 'only-docker.load'), 'kernel/overlay.ko\nkernel/veth.ko\n');
  writeFileSync(join(dir, 'proc-modules'), 'overlay 1 0 - Live 0x0\n');
  assert.equal(await loadModules.run(ctx), undefined);
  assert.equal(ctx.sys.calls.filter((c) => c.name === 'finitModule').length, 1);
  assert.ok(ctx.lines.includes('init: kernel 6.1.0-test-amd64: 1 modules loaded, 1 already there, 0 failed'), ctx.lines.join('\n'));
});
