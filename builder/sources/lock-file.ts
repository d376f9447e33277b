// only-docker.lock.json: the exact Debian packages a build uses (version, pool path,
// sha256, size), for one suite. `lock --update` writes it from the signed indexes; a build
// reads it and nothing else. It records the digest of the request it was made for
// (suite, requested packages, exclusions), so a build can tell that the configuration
// changed since. Keys are written in a fixed order and packages sorted by name, so a
// refresh that changes nothing writes the same bytes. The mirror's address is not in it:
// pool paths are the same on every mirror.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEBIAN_SUITES, type DebianSuite, type Pocket } from './debian-suite.ts';
import { OdError } from '../../contract/errors.ts';

export const LOCK_VERSION = 1;

const LockedPackageSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    architecture: z.string().min(1),
    pocket: z.string().min(1),
    filename: z.string().regex(/^pool\//, 'must be a pool/ path'),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const LockFileSchema = z
  .object({
    lockVersion: z.literal(LOCK_VERSION),
    suite: z.enum(DEBIAN_SUITES),
    architecture: z.string().min(1),
    requestDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    pockets: z.array(z.object({ dist: z.string().min(1), mirror: z.enum(['archive', 'security']) }).strict()).min(1),
    packages: z.array(LockedPackageSchema).min(1),
  })
  .strict();

export type LockedPackage = z.infer<typeof LockedPackageSchema>;
export type LockFile = z.infer<typeof LockFileSchema>;

export interface LockRequest {
  suite: DebianSuite;
  /** Every requested package (the kernel package included). */
  packages: readonly string[];
  exclude: readonly string[];
}

export class LockFormatError extends OdError {
  constructor(readonly path: string, readonly problems: string[], options?: { cause?: unknown }) {
    super(`${path}: not a valid lock file (${problems.join('; ')}); write it again with "make lock"`, options);
  }
}

/** A build found no lock, or one made for another request: it never resolves on its own. */
export class LockOutdatedError extends OdError {
  constructor(readonly path: string, readonly state: 'missing' | 'stale', options?: { cause?: unknown }) {
    super(
      state === 'missing'
        ? `${path} does not exist: write it with "make lock" (node --import tsx builder/cli.ts lock --update)`
        : `${path} is stale: only-docker.json changed (debian.suite, kernel.package, packages or debian.exclude) since it was written; run "make lock"`,
      options,
    );
  }
}

const sortedUnique = (names: readonly string[]): string[] => [...new Set(names)].sort();

/** Order of the packages and duplicates do not change what is resolved, so they do not change the digest. */
export function requestDigest(request: LockRequest): string {
  const canonical = JSON.stringify({ suite: request.suite, packages: sortedUnique(request.packages), exclude: sortedUnique(request.exclude) });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The lock's text: fixed key order, packages sorted by name, a final newline. */
export function serializeLock(lock: LockFile): string {
  const ordered = {
    lockVersion: lock.lockVersion,
    suite: lock.suite,
    architecture: lock.architecture,
    requestDigest: lock.requestDigest,
    pockets: lock.pockets.map((p: Pocket) => ({ dist: p.dist, mirror: p.mirror })),
    packages: [...lock.packages]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((p) => ({ name: p.name, version: p.version, architecture: p.architecture, pocket: p.pocket, filename: p.filename, size: p.size, sha256: p.sha256 })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The lock at `path`, or undefined when there is none; a malformed file is an error, never ignored. */
export async function readLock(path: string): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LockFormatError(path, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`], { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new LockFormatError(path, [`not JSON: ${(cause as Error).message}`], { cause });
  }
  const parsed = LockFileSchema.safeParse(raw);
  if (!parsed.success) throw new LockFormatError(path, parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`));
  return parsed.data;
}

/** Written aside and renamed, so an interrupted write never leaves half a lock. */
export async function writeLock(path: string, lock: LockFile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, serializeLock(lock));
  await rename(temporary, path);
}

export function lockState(lock: LockFile | undefined, request: LockRequest): 'missing' | 'stale' | 'current' {
  if (!lock) return 'missing';
  return lock.requestDigest === requestDigest(request) ? 'current' : 'stale';
}

/** The lock for `request`, or LockOutdatedError saying to run make lock. */
export async function requireCurrentLock(path: string, request: LockRequest): Promise<LockFile> {
  const lock = await readLock(path);
  const state = lockState(lock, request);
  if (state !== 'current') throw new LockOutdatedError(path, state);
  return lock!;
}

export interface LockDiff {
  added: LockedPackage[];
  removed: LockedPackage[];
  changed: Array<{ name: string; from: string; to: string }>;
}

export function diffLocks(before: LockFile | undefined, after: LockFile): LockDiff {
  const old = new Map((before?.packages ?? []).map((p) => [p.name, p]));
  const now = new Map(after.packages.map((p) => [p.name, p]));
  return {
    added: after.packages.filter((p) => !old.has(p.name)),
    removed: [...old.values()].filter((p) => !now.has(p.name)),
    changed: after.packages
      .filter((p) => old.has(p.name) && old.get(p.name)!.version !== p.version)
      .map((p) => ({ name: p.name, from: old.get(p.name)!.version, to: p.version })),
  };
}
