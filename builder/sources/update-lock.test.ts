// The whole `lock --update` path against a small signed archive served on 127.0.0.1:
// InRelease signatures (a throwaway key), index forms (.gz, .xz, plain, a listed form
// the mirror does not serve), checksums, pockets and resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { IndexChecksumError } from './archive-index.ts';
import { serveFiles } from './fixtures/file-server.ts';
import { gpgMissing, throwawayKey, type ThrowawayKey } from './fixtures/throwaway-key.ts';
import { ReleaseExpiredError } from './release-file.ts';
import { resolveLock } from './update-lock.ts';
import { serializeLock } from './lock-file.ts';

const entry = (name: string, version: string, extra: Record<string, string> = {}): string =>
  Object.entries({ Package: name, Version: version, Architecture: 'amd64', Filename: `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb`, Size: '10', SHA256: createHash('sha256').update(`${name}${version}`).digest('hex'), ...extra })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const RELEASE_PACKAGES = [
  entry('docker.io', '26.1.5+dfsg1-9', { Depends: 'adduser, containerd, runc (>= 1.1), libc6 (>= 2.34)', Description: 'Linux container runtime\n long text' }),
  entry('containerd', '1.7.24~ds1-6', { Depends: 'runc' }),
  entry('runc', '1.1.15+ds1-2', { Depends: 'libc6' }),
  entry('libc6', '2.41-12'),
  entry('adduser', '3.152', { Architecture: 'all' }),
].join('\n\n');
const UPDATES_PACKAGES = entry('libc6', '2.41-12+deb13u1');
const SECURITY_PACKAGES = entry('runc', '1.1.15+ds1-2+deb13u1', { Depends: 'libc6' });

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const xz = async (text: string): Promise<Buffer> => (await execa('xz', ['-c'], { input: text, encoding: 'buffer' })).stdout as unknown as Buffer;

function releaseText(dist: string, indexes: Array<[string, Buffer | string]>, validUntil = 'Mon, 07 Dec 2099 00:00:00 UTC'): string {
  const lines = indexes.map(([path, data]) => ` ${sha(data)} ${Buffer.byteLength(data)} main/binary-amd64/${path}`);
  return `Origin: Debian\nCodename: ${dist}\nDate: Sat, 21 Nov 2026 09:15:44 UTC\nValid-Until: ${validUntil}\nSHA256:\n${lines.join('\n')}\n`;
}

async function archive(key: ThrowawayKey, opts: { corruptGz?: boolean; expiredSecurity?: boolean } = {}): Promise<Map<string, Buffer | string>> {
  const files = new Map<string, Buffer | string>();
  const gz = gzipSync(RELEASE_PACKAGES);
  files.set('/debian/dists/trixie/InRelease', await key.clearsign(releaseText('trixie', [['Packages', RELEASE_PACKAGES], ['Packages.gz', gz]])));
  files.set('/debian/dists/trixie/main/binary-amd64/Packages.gz', opts.corruptGz ? gzipSync(`${RELEASE_PACKAGES}\n`) : gz);
  // Like Debian's -updates: the plain index is listed but not served.
  const updatesXz = await xz(UPDATES_PACKAGES);
  files.set('/debian/dists/trixie-updates/InRelease', await key.clearsign(releaseText('trixie-updates', [['Packages', UPDATES_PACKAGES], ['Packages.xz', updatesXz]])));
  files.set('/debian/dists/trixie-updates/main/binary-amd64/Packages.xz', updatesXz);
  files.set(
    '/debian-security/dists/trixie-security/InRelease',
    await key.clearsign(releaseText('trixie-security', [['Packages', SECURITY_PACKAGES]], opts.expiredSecurity ? 'Mon, 07 Dec 2020 00:00:00 UTC' : undefined)),
  );
  files.set('/debian-security/dists/trixie-security/main/binary-amd64/Packages', SECURITY_PACKAGES);
  return files;
}

const REQUEST = { suite: 'trixie' as const, packages: ['docker.io'], exclude: ['adduser'] };

test('lock --update: signed indexes of three pockets, the newest version wins, a refresh gives the same bytes', { skip: gpgMissing(), timeout: 120_000 }, async () => {
  const key = await throwawayKey();
  const cacheDir = await mkdtemp(join(tmpdir(), 'od-lock-cache-'));
  const server = await serveFiles(await archive(key));
  try {
    const mirrors = { archive: `${server.base}/debian`, security: `${server.base}/debian-security` };
    const lock = await resolveLock(REQUEST, mirrors, { cacheDir, keyring: key.keyring });
    assert.deepEqual(
      lock.packages.map((p) => `${p.name} ${p.version} ${p.pocket}`),
      ['containerd 1.7.24~ds1-6 trixie', 'docker.io 26.1.5+dfsg1-9 trixie', 'libc6 2.41-12+deb13u1 trixie-updates', 'runc 1.1.15+ds1-2+deb13u1 trixie-security'],
    );
    assert.deepEqual(lock.pockets, [
      { dist: 'trixie', mirror: 'archive' },
      { dist: 'trixie-updates', mirror: 'archive' },
      { dist: 'trixie-security', mirror: 'security' },
    ]);
    assert.ok(server.hits.includes('/debian/dists/trixie-updates/main/binary-amd64/Packages.xz'));
    // A second refresh reads the verified indexes from the cache and writes the same lock.
    const before = server.hits.length;
    const again = await resolveLock(REQUEST, mirrors, { cacheDir, keyring: key.keyring });
    assert.equal(serializeLock(again), serializeLock(lock));
    assert.deepEqual(server.hits.slice(before).filter((hit) => !hit.endsWith('/InRelease')), []);
  } finally {
    await server.close();
    await key.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test('lock --update refuses an index whose sha256 differs from the signed Release, and an expired Release', { skip: gpgMissing(), timeout: 120_000 }, async () => {
  const key = await throwawayKey();
  const cacheDir = await mkdtemp(join(tmpdir(), 'od-lock-cache-'));
  const corrupt = await serveFiles(await archive(key, { corruptGz: true }));
  const expired = await serveFiles(await archive(key, { expiredSecurity: true }));
  try {
    const mirrorsOf = (base: string) => ({ archive: `${base}/debian`, security: `${base}/debian-security` });
    await assert.rejects(resolveLock(REQUEST, mirrorsOf(corrupt.base), { cacheDir, keyring: key.keyring }), IndexChecksumError);
    await assert.rejects(resolveLock(REQUEST, mirrorsOf(expired.base), { cacheDir, keyring: key.keyring }), ReleaseExpiredError);
    // Asked for explicitly, an expired release is accepted with a warning.
    const warnings: string[] = [];
    const lock = await resolveLock(REQUEST, mirrorsOf(expired.base), { cacheDir, keyring: key.keyring, allowExpired: true, onProgress: (m) => warnings.push(m) });
    assert.equal(lock.packages.length, 4);
    assert.ok(warnings.some((w) => /^WARNING trixie-security: expired on 2020-12-07/.test(w)));
  } finally {
    await corrupt.close();
    await expired.close();
    await key.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
