// Talks to the real apt of the build host. The download test fetches libmnl0 (12 kB)
// from the Debian mirror and is skipped when apt has no package lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasPackageLists } from './apt-fingerprint.ts';
import { AptError, fetchPackages } from './debian-packages.ts';
import { extractPackages, parseExtractListing } from './extract-packages.ts';
import { findHostTool } from './host-tools.ts';

const aptReady = Boolean(findHostTool('apt-get')) && (await hasPackageLists('/var/lib/apt/lists'));

test('parseExtractListing keeps files and drops directories and the ./ prefix', () => {
  assert.deepEqual(parseExtractListing('./\n./usr/\n./usr/bin/\n./usr/bin/tini\n./usr/bin/tini-static\n'), [
    'usr/bin/tini',
    'usr/bin/tini-static',
  ]);
});

test('no requests fetch nothing', async () => {
  assert.deepEqual(await fetchPackages([], { cacheDir: '/nonexistent-od-cache' }), []);
});

test('an unknown package is an AptError that says what to do', { skip: !findHostTool('apt-cache') && 'no apt' }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'od-debs-'));
  try {
    await assert.rejects(fetchPackages(['no-such-package-od'], { cacheDir }), (error: unknown) => {
      assert.ok(error instanceof AptError);
      assert.match(error.message, /no-such-package-od/);
      assert.match(error.message, /apt-get update/);
      return true;
    });
  } finally {
    await rm(cacheDir, { recursive: true });
  }
});

test('a fetched package is verified, reused from the cache, and fetched again when corrupt', { skip: !aptReady && 'apt has no package lists' }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'od-debs-'));
  try {
    const [first] = await fetchPackages(['libmnl0'], { cacheDir });
    assert.ok(first);
    assert.equal(first.name, 'libmnl0');
    assert.equal(first.cached, false);
    assert.match(first.sha256, /^[0-9a-f]{64}$/);
    assert.ok(first.debPath.startsWith(join(cacheDir, 'debs', 'libmnl0_')));

    const messages: string[] = [];
    const [second] = await fetchPackages(['libmnl0'], { cacheDir, onProgress: (m) => messages.push(m) });
    assert.equal(second?.cached, true);
    assert.match(messages.join('\n'), /unchanged since the last build/);

    await writeFile(first.debPath, 'not a package');
    const [third] = await fetchPackages(['libmnl0'], { cacheDir });
    assert.equal(third?.cached, false);
    assert.equal(third?.sha256, first.sha256);
    assert.deepEqual((await readdir(join(cacheDir, 'debs'))).filter((name) => name.startsWith('.partial')), []);

    const staging = join(cacheDir, 'staging');
    const result = await extractPackages([third!, third!], staging);
    assert.ok(result.packages[0]!.files.includes('usr/lib/x86_64-linux-gnu/libmnl.so.0'));
    assert.ok(!result.packages[0]!.files.some((path) => path.endsWith('/') || path.startsWith('./')));
    assert.equal(result.owners.get('usr/lib/x86_64-linux-gnu/libmnl.so.0'), 'libmnl0');
    // The same package twice is not a conflict; two packages with one path would be.
    assert.deepEqual(result.overwritten, []);
  } finally {
    await rm(cacheDir, { recursive: true });
  }
});
