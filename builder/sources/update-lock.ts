// `lock --update`: the pockets' signed indexes, the resolved closure, and the lock that
// records it. The only place that resolves versions; a build only reads the lock.
import { MirrorNotFoundError, type Mirrors } from './apt-sources.ts';
import { loadPocketIndex, type IndexOptions } from './archive-index.ts';
import { ARCHITECTURE, suitePockets } from './debian-suite.ts';
import { LOCK_VERSION, requestDigest, type LockFile, type LockRequest } from './lock-file.ts';
import { PackageUniverse, resolvePackages } from './resolve-packages.ts';

export async function resolveLock(request: LockRequest, mirrors: Mirrors, opts: IndexOptions): Promise<LockFile> {
  const pockets = suitePockets(request.suite);
  const indexes = [];
  // One pocket after the other: the release pocket's index is the big one, and the
  // mirror should not see a burst of parallel requests for it.
  for (const pocket of pockets) {
    const mirror = pocket.mirror === 'security' ? mirrors.security : mirrors.archive;
    if (!mirror) throw new MirrorNotFoundError('security');
    indexes.push(await loadPocketIndex(mirror, pocket, opts));
  }
  const universe = new PackageUniverse(indexes.flatMap((index) => index.packages));
  const resolved = resolvePackages(request.packages, universe, {
    exclude: request.exclude,
    where: pockets.map((p) => p.dist).join(', '),
  });
  return {
    lockVersion: LOCK_VERSION,
    suite: request.suite,
    architecture: ARCHITECTURE,
    requestDigest: requestDigest(request),
    pockets,
    packages: resolved.map(({ name, version, architecture, pocket, filename, size, sha256 }) => ({ name, version, architecture, pocket, filename, size, sha256 })),
  };
}
