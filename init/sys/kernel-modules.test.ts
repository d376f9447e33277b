import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isCompressedModule,
  loadListPath,
  loadModuleList,
  moduleName,
  parseProcModules,
} from './kernel-modules.ts';
import { fakeSys } from '../testing/fake-sys.ts';

test('module names as /proc/modules spells them', () => {
  assert.equal(moduleName('kernel/net/bridge/br-netfilter.ko.xz'), 'br_netfilter');
  assert.equal(moduleName('kernel/crypto/crc32c_generic.ko'), 'crc32c_generic');
  assert.equal(isCompressedModule('a.ko.zst'), true);
  assert.equal(isCompressedModule('a.ko'), false);
  assert.equal(loadListPath('/lib/modules', '6.1.0-18-amd64'), '/lib/modules/6.1.0-18-amd64/only-docker.load');
});

test('/proc/modules parsing', () => {
  const names = parseProcModules('overlay 151552 0 - Live 0x0000000000000000\nbridge 311296 1 br_netfilter, Live 0x0\n');
  assert.deepEqual([...names], ['overlay', 'bridge']);
});

test('loads in order, skips loaded and built-in, EEXIST counts as loaded, failures go on', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-modules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const modules = ['a/overlay.ko', 'a/bridge.ko', 'a/veth.ko', 'a/nf-tables.ko.xz', 'a/missing.ko', 'a/builtin.ko', 'a/last.ko'];
  mkdirSync(join(dir, 'a'));
  for (const m of modules) if (!m.includes('missing')) writeFileSync(join(dir, m), 'elf');

  const sys = fakeSys();
  sys.failNext('finitModule', 'EEXIST', 'EINVAL');
  const loaded = new Set(['overlay']);
  const results = loadModuleList(modules, { sys, moduleDir: dir, loaded, isBuiltIn: (n) => n === 'builtin' });
  assert.deepEqual(
    results.map((r) => [r.name, r.status]),
    [
      ['overlay', 'already-loaded'],
      ['bridge', 'already-loaded'],
      ['veth', 'failed'],
      ['nf_tables', 'loaded'],
      ['missing', 'failed'],
      ['builtin', 'already-loaded'],
      ['last', 'loaded'],
    ],
  );
  assert.equal((results[2]!.error as NodeJS.ErrnoException).code, 'EINVAL');
  assert.equal((results[4]!.error as NodeJS.ErrnoException).code, 'ENOENT');
  // Compressed modules ask the kernel to decompress (MODULE_INIT_COMPRESSED_FILE).
  assert.deepEqual(sys.calls.map((c) => c.args[2]), [0, 0, 4, 0]);
  assert.ok(loaded.has('nf_tables') && loaded.has('bridge') && !loaded.has('veth'));
});
