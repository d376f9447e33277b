import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleInit, initLibraryNeeds, koffiNativePath, nonBuiltinImports } from './build-init-binary.ts';

test('koffi.node is found in node_modules', () => {
  const path = koffiNativePath();
  assert.match(path, /@koromix\/koffi-linux-x64\/linux_x64\/koffi\.node$/);
  assert.ok(existsSync(path));
});

test('the library list names the dynamic loader', () => {
  assert.ok(initLibraryNeeds.includes('ld-linux-x86-64.so.2'));
});

test('only built-ins may stay outside the bundle', () => {
  const metafile = {
    inputs: {},
    outputs: {
      'init.cjs': {
        bytes: 1,
        inputs: {},
        exports: [],
        imports: [
          { path: 'node:fs', kind: 'require-call', external: true },
          { path: 'fs', kind: 'require-call', external: true },
          { path: 'koffi', kind: 'require-call', external: true },
        ],
      },
    },
  } as unknown as Metafile;
  assert.deepEqual(nonBuiltinImports(metafile), ['koffi']);
});

test('the init bundles into one CommonJS file that runs with only built-ins', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = join(dir, 'a.cjs');
  const second = join(dir, 'b.cjs');
  await bundleInit(join(import.meta.dirname, '../../init/main.ts'), first);
  await bundleInit(join(import.meta.dirname, '../../init/main.ts'), second);
  assert.deepEqual(readFileSync(first), readFileSync(second), 'same input, same bundle');
  const text = readFileSync(first, 'utf8');
  assert.ok(!text.includes(dir), 'no absolute build paths in the bundle');
  // Outside a SEA the bundle is plain CJS: run it with node from a directory without
  // node_modules to show that nothing is required from disk.
  const out = execFileSync(process.execPath, [first, '--version'], { cwd: dir, encoding: 'utf8' });
  assert.match(out, /^only-docker-init \d+\.\d+\.\d+\n$/);
});
