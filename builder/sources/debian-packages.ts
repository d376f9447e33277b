// Debian packages as build inputs: exactly the lock's packages, downloaded from the mirror
// by pool path (streamed into <cacheDir>/debs/), checked against the lock's sha256 and
// size, and reused on the next build while intact. The lock's checksums come from the
// signed indexes, so a verified file is the package Debian published.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { debFileName } from './deb822.ts';
import { MirrorNotFoundError, type Mirrors } from './apt-sources.ts';
import { sha256File } from './file-hash.ts';
import { fetchToFile, HttpFetchError } from './http-fetch.ts';
import type { LockedPackage, LockFile } from './lock-file.ts';
import { OdError } from '../../contract/errors.ts';

export class PackageChecksumError extends OdError {
  constructor(
    readonly url: string,
    readonly expected: { sha256: string; size: number },
    readonly actual: { sha256: string; size: number },
    options?: { cause?: unknown },
  ) {
    super(`${url}: sha256 ${actual.sha256} (${actual.size} bytes) does not match the lock (${expected.sha256}, ${expected.size} bytes)`, options);
  }
}

/** The mirror answered 404 for a locked package: Debian replaced it with a newer version. */
export class LockedPackageGoneError extends OdError {
  constructor(readonly packageName: string, readonly version: string, readonly url: string, options?: { cause?: unknown }) {
    super(`${packageName} ${version} is locked, but the mirror no longer serves it (${url}: HTTP 404); refresh the lock with "make lock"`, options);
  }
}

export interface FetchedPackage {
  name: string;
  version: string;
  architecture: string;
  debPath: string;
  sha256: string;
  size: number;
  /** True when the .deb was already in the cache with the right checksum. */
  cached: boolean;
}

export interface FetchOptions {
  /** Cache root, outside dist/; packages go to `<cacheDir>/debs/`. */
  cacheDir: string;
  onProgress?: (message: string) => void;
  /** Parallel downloads; a few keep the link busy without hammering the mirror. */
  concurrency?: number;
}

async function isIntact(path: string, pkg: LockedPackage): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== pkg.size) return false;
  } catch {
    return false;
  }
  return (await sha256File(path)) === pkg.sha256;
}

export function packageUrl(lock: LockFile, pkg: LockedPackage, mirrors: Mirrors): string {
  const pocket = lock.pockets.find((p) => p.dist === pkg.pocket);
  const base = pocket?.mirror === 'security' ? mirrors.security : mirrors.archive;
  if (!base) throw new MirrorNotFoundError(pocket?.mirror === 'security' ? 'security' : 'archive');
  return `${base}/${pkg.filename}`;
}

async function download(url: string, pkg: LockedPackage, target: string): Promise<void> {
  const partial = `${target}.${process.pid}.partial`;
  try {
    await fetchToFile(url, partial);
  } catch (error) {
    if (error instanceof HttpFetchError && error.status === 404) throw new LockedPackageGoneError(pkg.name, pkg.version, url, { cause: error });
    throw error;
  }
  const actual = { sha256: await sha256File(partial), size: (await stat(partial)).size };
  if (actual.sha256 !== pkg.sha256 || actual.size !== pkg.size) {
    await rm(partial, { force: true });
    throw new PackageChecksumError(url, pkg, actual);
  }
  // rename is atomic: a concurrent build sees the old file or the whole new one.
  await rename(partial, target);
}

/** Every package of the lock, in the lock's order, as verified files in the cache. */
export async function fetchLockedPackages(lock: LockFile, mirrors: Mirrors, opts: FetchOptions): Promise<FetchedPackage[]> {
  const debsDir = join(opts.cacheDir, 'debs');
  await mkdir(debsDir, { recursive: true });
  const paths = lock.packages.map((pkg) => join(debsDir, debFileName(pkg.name, pkg.version, pkg.architecture)));
  const intact = await Promise.all(lock.packages.map((pkg, i) => isIntact(paths[i]!, pkg)));
  const missing = lock.packages.map((pkg, i) => ({ pkg, path: paths[i]! })).filter((_, i) => !intact[i]);

  let done = 0;
  const queue = [...missing];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      await download(packageUrl(lock, item.pkg, mirrors), item.pkg, item.path);
      opts.onProgress?.(`downloaded ${++done}/${missing.length}: ${item.pkg.name} ${item.pkg.version}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, queue.length) }, worker));

  return lock.packages.map((pkg, i) => ({
    name: pkg.name,
    version: pkg.version,
    architecture: pkg.architecture,
    debPath: paths[i]!,
    sha256: pkg.sha256,
    size: pkg.size,
    cached: intact[i]!,
  }));
}

// Extraction lives in its own module; re-exported so callers can take both from here.
export { extractPackage, extractPackages, PackageExtractError } from './extract-packages.ts';
export type { DebFile, ExtractedPackage, ExtractionResult } from './extract-packages.ts';
