import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  diffLocks,
  LOCK_VERSION,
  LockFormatError,
  LockOutdatedError,
  lockState,
  readLock,
  requestDigest,
  requireCurrentLock,
  serializeLock,
  writeLock,
  type LockedPackage,
  type LockFile,
  type LockRequest,
} from './lock-file.ts';

const REQUEST: LockRequest = { suite: 'trixie', packages: ['linux-image-amd64', 'docker.io', 'runc'], exclude: ['debconf'] };

const pkg = (name: string, version: string): LockedPackage => ({
  name,
  version,
  architecture: 'amd64',
  pocket: 'trixie',
  filename: `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb`,
  size: 100,
  sha256: 'b'.repeat(64),
});

const lockFor = (request: LockRequest, packages: LockedPackage[]): LockFile => ({
  lockVersion: LOCK_VERSION,
  suite: request.suite,
  architecture: 'amd64',
  requestDigest: requestDigest(request),
  pockets: [
    { dist: 'trixie', mirror: 'archive' },
    { dist: 'trixie-security', mirror: 'security' },
  ],
  packages,
});

async function inTemp(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'od-lock-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the request digest ignores order and duplicates, and changes with suite, packages or exclusions', () => {
  const digest = requestDigest(REQUEST);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(requestDigest({ ...REQUEST, packages: ['runc', 'docker.io', 'linux-image-amd64', 'runc'] }), digest);
  assert.notEqual(requestDigest({ ...REQUEST, suite: 'sid' }), digest);
  assert.notEqual(requestDigest({ ...REQUEST, packages: [...REQUEST.packages, 'tini'] }), digest);
  assert.notEqual(requestDigest({ ...REQUEST, exclude: [] }), digest);
});

test('serialisation is stable: packages sorted, fixed key order, the same bytes after a round trip', async () => {
  await inTemp(async (dir) => {
    const path = join(dir, 'only-docker.lock.json');
    const lock = lockFor(REQUEST, [pkg('runc', '1.1.15+ds1-2'), pkg('docker.io', '26.1.5+dfsg1-9')]);
    await writeLock(path, lock);
    const text = await readFile(path, 'utf8');
    assert.ok(text.indexOf('"docker.io"') < text.indexOf('"runc"'));
    assert.deepEqual(Object.keys(JSON.parse(text)), ['lockVersion', 'suite', 'architecture', 'requestDigest', 'pockets', 'packages']);
    assert.deepEqual(Object.keys(JSON.parse(text).packages[0]), ['name', 'version', 'architecture', 'pocket', 'filename', 'size', 'sha256']);
    const again = await readLock(path);
    assert.equal(serializeLock(again!), text);
  });
});

test('lock state: missing, stale after a configuration change, current', async () => {
  await inTemp(async (dir) => {
    const path = join(dir, 'only-docker.lock.json');
    assert.equal(lockState(await readLock(path), REQUEST), 'missing');
    await assert.rejects(requireCurrentLock(path, REQUEST), (error: unknown) => error instanceof LockOutdatedError && error.state === 'missing' && /make lock/.test(error.message));
    await writeLock(path, lockFor(REQUEST, [pkg('runc', '1')]));
    assert.equal((await requireCurrentLock(path, REQUEST)).packages[0]!.name, 'runc');
    const changed = { ...REQUEST, packages: [...REQUEST.packages, 'docker-compose'] };
    assert.equal(lockState(await readLock(path), changed), 'stale');
    await assert.rejects(requireCurrentLock(path, changed), (error: unknown) => {
      return error instanceof LockOutdatedError && error.state === 'stale' && /only-docker\.json changed/.test(error.message) && /run "make lock"/.test(error.message);
    });
  });
});

test('a malformed lock is an error naming the problem, never treated as absent', async () => {
  await inTemp(async (dir) => {
    const path = join(dir, 'only-docker.lock.json');
    await writeFile(path, '{ not json');
    await assert.rejects(readLock(path), LockFormatError);
    const bad = JSON.parse(serializeLock(lockFor(REQUEST, [pkg('runc', '1')])));
    bad.packages[0].sha256 = 'xyz';
    await writeFile(path, JSON.stringify(bad));
    await assert.rejects(readLock(path), (error: unknown) => error instanceof LockFormatError && /packages\.0\.sha256/.test(error.message));
  });
});

test('diffLocks lists added, removed and changed versions', () => {
  const before = lockFor(REQUEST, [pkg('runc', '1.1.15+ds1-2'), pkg('tini', '0.19.0-1'), pkg('libc6', '2.41-12')]);
  const after = lockFor(REQUEST, [pkg('runc', '1.1.15+ds1-2+deb13u1'), pkg('libc6', '2.41-12'), pkg('docker-cli', '26.1.5')]);
  const diff = diffLocks(before, after);
  assert.deepEqual(diff.added.map((p) => p.name), ['docker-cli']);
  assert.deepEqual(diff.removed.map((p) => p.name), ['tini']);
  assert.deepEqual(diff.changed, [{ name: 'runc', from: '1.1.15+ds1-2', to: '1.1.15+ds1-2+deb13u1' }]);
  assert.equal(diffLocks(undefined, after).added.length, 3);
});
