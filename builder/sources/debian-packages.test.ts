// Downloads from a small pool served by a local HTTP server (fixtures/file-server.ts),
// with a real .deb made by dpkg-deb at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { fetchLockedPackages, LockedPackageGoneError, PackageChecksumError } from './debian-packages.ts';
import { extractPackages, parseExtractListing } from './extract-packages.ts';
import { findHostTool } from './host-tools.ts';
import { serveFiles } from './fixtures/file-server.ts';
import { LOCK_VERSION, type LockedPackage, type LockFile } from './lock-file.ts';

/** Builds a tiny real .deb with one file. */
async function makeDeb(dir: string, name: string, version: string): Promise<Buffer> {
  const root = join(dir, `${name}-root`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
  await writeFile(join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: test <test@example.invalid>\nDescription: test\n`);
  await writeFile(join(root, 'usr/lib/x86_64-linux-gnu/libodtest.so.0'), 'not really a library\n');
  const deb = join(dir, `${name}.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb]);
  return readFile(deb);
}

function lockOf(packages: LockedPackage[]): LockFile {
  return { lockVersion: LOCK_VERSION, suite: 'trixie', architecture: 'amd64', requestDigest: `sha256:${'0'.repeat(64)}`, pockets: [{ dist: 'trixie', mirror: 'archive' }], packages };
}

test('parseExtractListing keeps files and drops directories and the ./ prefix', () => {
  assert.deepEqual(parseExtractListing('./\n./usr/\n./usr/bin/\n./usr/bin/tini\n./usr/bin/tini-static\n'), ['usr/bin/tini', 'usr/bin/tini-static']);
});

test('a locked package is downloaded, verified, reused, fetched again when corrupt, and extracted', { skip: !findHostTool('dpkg-deb') && 'no dpkg-deb' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'od-debs-'));
  const deb = await makeDeb(dir, 'libodtest0', '1:1.0-1');
  const filename = 'pool/main/o/odtest/libodtest0_1.0-1_amd64.deb';
  const pkg: LockedPackage = { name: 'libodtest0', version: '1:1.0-1', architecture: 'amd64', pocket: 'trixie', filename, size: deb.length, sha256: createHash('sha256').update(deb).digest('hex') };
  const server = await serveFiles(new Map([[`/debian/${filename}`, deb]]));
  const base = `${server.base}/debian`;
  const hits = server.hits;
  const cacheDir = join(dir, 'cache');
  try {
    const [first] = await fetchLockedPackages(lockOf([pkg]), { archive: base }, { cacheDir });
    assert.equal(first?.cached, false);
    assert.equal(first?.debPath, join(cacheDir, 'debs', 'libodtest0_1%3a1.0-1_amd64.deb'));
    assert.deepEqual(await readFile(first!.debPath), deb);

    const [second] = await fetchLockedPackages(lockOf([pkg]), { archive: base }, { cacheDir });
    assert.equal(second?.cached, true);
    assert.equal(hits.length, 1, 'an intact cached file is not fetched again');

    await writeFile(first!.debPath, 'not a package');
    const [third] = await fetchLockedPackages(lockOf([pkg]), { archive: base }, { cacheDir });
    assert.equal(third?.cached, false);
    assert.equal(hits.length, 2);
    assert.deepEqual((await readdir(join(cacheDir, 'debs'))).filter((name) => name.includes('.partial')), []);

    const result = await extractPackages([third!, third!], join(dir, 'staging'));
    assert.deepEqual(result.packages[0]!.files, ['usr/lib/x86_64-linux-gnu/libodtest.so.0']);
    assert.equal(result.owners.get('usr/lib/x86_64-linux-gnu/libodtest.so.0'), 'libodtest0');
    // The same package twice is not a conflict; two packages with one path would be.
    assert.deepEqual(result.overwritten, []);

    // The mirror serves other bytes than the lock says: refused, and nothing is kept.
    const wrong = { ...pkg, name: 'libodtest-wrong', sha256: 'f'.repeat(64) };
    await assert.rejects(fetchLockedPackages(lockOf([wrong]), { archive: base }, { cacheDir }), PackageChecksumError);
    assert.deepEqual((await readdir(join(cacheDir, 'debs'))).filter((name) => name.includes('wrong')), []);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a locked package the mirror no longer serves names the package and says to run make lock', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'od-debs-'));
  const server = await serveFiles(new Map());
  const base = `${server.base}/debian`;
  const gone: LockedPackage = { name: 'runc', version: '1.1.15+ds1-2', architecture: 'amd64', pocket: 'trixie', filename: 'pool/main/r/runc/runc_1.1.15+ds1-2_amd64.deb', size: 1, sha256: 'a'.repeat(64) };
  try {
    await assert.rejects(fetchLockedPackages(lockOf([gone]), { archive: base }, { cacheDir: dir }), (error: unknown) => {
      assert.ok(error instanceof LockedPackageGoneError);
      assert.equal(error.packageName, 'runc');
      assert.match(error.message, /runc 1\.1\.15\+ds1-2 is locked, but the mirror no longer serves it/);
      assert.match(error.message, /make lock/);
      return true;
    });
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
