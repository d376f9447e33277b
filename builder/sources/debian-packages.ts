// Debian packages as build inputs: resolved to apt's candidate version, downloaded with
// `apt-get download` into a cache outside dist/, verified against the SHA256 that the
// signed package index gives, and reused on the next build.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, ExecaError } from 'execa';
import { aptStateFingerprint, hasPackageLists } from './apt-fingerprint.ts';
import { debFileName, parseDependsField, parsePolicyCandidates, parseStanzas, type Stanza } from './apt-output.ts';
import { sha256File } from './file-hash.ts';
import { findHostTool } from './host-tools.ts';

export class AptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AptError';
  }
}

export class PackageChecksumError extends Error {
  constructor(
    readonly debPath: string,
    readonly expected: string,
    readonly actual: string,
    options?: { cause?: unknown },
  ) {
    super(`${debPath}: sha256 ${actual} does not match the package index (${expected})`, options);
    this.name = 'PackageChecksumError';
  }
}

/**
 * A package to fetch. `follow` turns a package that is only a dependency pointer (a
 * metapackage such as linux-image-amd64) into the real package it points at: the first
 * Depends/Pre-Depends alternative whose name matches. A string is a glob (`*` only),
 * `true` takes the first dependency whatever its name.
 */
export interface PackageRequest {
  name: string;
  follow?: true | string | RegExp;
}

export interface FetchedPackage {
  name: string;
  version: string;
  architecture: string;
  debPath: string;
  sha256: string;
  size: number;
  /** The metapackage this one was reached from through `follow`, if any. */
  followedFrom?: string;
  /** True when the .deb was already in the cache with the right checksum. */
  cached: boolean;
}

export interface FetchOptions {
  /** Cache root, outside dist/; packages go to `<cacheDir>/debs/`. */
  cacheDir: string;
  onProgress?: (message: string) => void;
}

interface ResolvedPackage {
  name: string;
  version: string;
  architecture: string;
  sha256: string;
  size: number;
  followedFrom?: string;
}

interface ResolutionCache {
  fingerprint: string;
  requests: string;
  packages: ResolvedPackage[];
}

/** One resolution file per request list, so two builds with different lists do not evict each other. */
function resolutionFile(debsDir: string, requestKey: string): string {
  return join(debsDir, `resolved-${createHash('sha256').update(requestKey).digest('hex').slice(0, 16)}.json`);
}

function normalizeRequest(request: string | PackageRequest): PackageRequest {
  return typeof request === 'string' ? { name: request } : request;
}

function describeRequests(requests: PackageRequest[]): string {
  return JSON.stringify(
    requests.map((r) => [r.name, r.follow instanceof RegExp ? `re:${r.follow.source}` : (r.follow ?? null)]),
  );
}

function followMatcher(follow: true | string | RegExp): (name: string) => boolean {
  if (follow === true) return () => true;
  if (follow instanceof RegExp) return (name) => follow.test(name);
  const pattern = new RegExp(`^${follow.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => pattern.test(name);
}

/** Runs an apt program; failures become AptError with the program's stderr in the message. */
async function runApt(program: string, args: string[], cwd?: string): Promise<string> {
  const path = findHostTool(program);
  if (!path) {
    throw new AptError(`the build host has no "${program}": this builder fetches Debian packages with apt (apt-get install apt)`);
  }
  try {
    const result = await execa(path, args, { cwd, env: { LC_ALL: 'C' } });
    return result.stdout;
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() || error.shortMessage : String(error);
    throw new AptError(`${program} ${args.join(' ')} failed: ${detail}`, { cause: error });
  }
}

async function listsDirectory(): Promise<string> {
  // apt-config is cheap (no package cache) and honours a relocated Dir::State::lists.
  const out = await runApt('apt-config', ['shell', 'LISTS', 'Dir::State::lists/d']);
  const match = /LISTS='([^']*)'/.exec(out);
  return match?.[1] ?? '/var/lib/apt/lists/';
}

async function candidates(names: string[]): Promise<Map<string, string | null>> {
  return parsePolicyCandidates(await runApt('apt-cache', ['policy', ...names]));
}

/** One `apt-cache show` for all name=version pairs; returns the stanza of each pair. */
async function showVersions(pairs: Array<{ name: string; version: string }>): Promise<Map<string, Stanza>> {
  const text = await runApt('apt-cache', ['show', ...pairs.map((p) => `${p.name}=${p.version}`)]);
  const found = new Map<string, Stanza>();
  for (const stanza of parseStanzas(text)) {
    const key = `${stanza.Package}=${stanza.Version}`;
    // The same version offered by two archive suites prints twice: the first is apt's.
    if (!found.has(key)) found.set(key, stanza);
  }
  return found;
}

function stanzaToResolved(stanza: Stanza, followedFrom?: string): ResolvedPackage {
  const { Package: name, Version: version, Architecture: architecture, SHA256: sha256, Size: size } = stanza;
  if (!name || !version || !architecture || !sha256 || !size) {
    throw new AptError(`apt-cache show gave an incomplete record for ${name ?? '?'} ${version ?? '?'} (no SHA256/Size?)`);
  }
  const resolved: ResolvedPackage = { name, version, architecture, sha256, size: Number(size) };
  if (followedFrom !== undefined) resolved.followedFrom = followedFrom;
  return resolved;
}

async function requireCandidates(names: string[], listsDir: string): Promise<Map<string, string>> {
  const policy = await candidates(names);
  const result = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const version = policy.get(name);
    if (version) result.set(name, version);
    else missing.push(name);
  }
  if (missing.length > 0) {
    if (!(await hasPackageLists(listsDir))) {
      throw new AptError(`apt has no package lists in ${listsDir}: run "apt-get update" first`);
    }
    throw new AptError(
      `no installable version of ${missing.join(', ')} in apt's package lists (misspelt, virtual, or the lists are stale: run "apt-get update")`,
    );
  }
  return result;
}

/** Resolves requests to exact package versions, following metapackages; 2-4 apt-cache calls in all. */
async function resolve(requests: PackageRequest[], listsDir: string): Promise<ResolvedPackage[]> {
  const names = [...new Set(requests.map((r) => r.name))];
  const versions = await requireCandidates(names, listsDir);
  const stanzas = await showVersions(names.map((name) => ({ name, version: versions.get(name)! })));
  const stanzaOf = (name: string): Stanza => {
    const stanza = stanzas.get(`${name}=${versions.get(name)}`);
    if (!stanza) throw new AptError(`apt-cache show printed nothing for ${name}=${versions.get(name)}`);
    return stanza;
  };

  // Follow dependency pointers: the pinned version (Depends: x (= v)) is taken as is,
  // an unversioned pointer takes the target's own candidate.
  const followed = new Map<string, { target: string; version?: string }>();
  for (const request of requests) {
    if (request.follow === undefined) continue;
    const stanza = stanzaOf(request.name);
    const matches = followMatcher(request.follow);
    const atoms = [...parseDependsField(stanza['Pre-Depends'] ?? ''), ...parseDependsField(stanza.Depends ?? '')].flat();
    const atom = atoms.find((a) => matches(a.name));
    if (!atom) {
      throw new AptError(`${request.name} ${stanza.Version} has no dependency matching ${String(request.follow)} to follow`);
    }
    const pointer: { target: string; version?: string } = { target: atom.name };
    if (atom.relation === '=' && atom.version) pointer.version = atom.version;
    followed.set(request.name, pointer);
  }
  const unpinned = [...followed.values()].filter((f) => f.version === undefined).map((f) => f.target);
  if (unpinned.length > 0) {
    const targetVersions = await requireCandidates([...new Set(unpinned)], listsDir);
    for (const pointer of followed.values()) pointer.version ??= targetVersions.get(pointer.target)!;
  }
  const followedStanzas =
    followed.size > 0
      ? await showVersions([...followed.values()].map((f) => ({ name: f.target, version: f.version! })))
      : new Map<string, Stanza>();

  const resolved: ResolvedPackage[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const pointer = followed.get(request.name);
    const entry = pointer
      ? (() => {
          const stanza = followedStanzas.get(`${pointer.target}=${pointer.version}`);
          if (!stanza) throw new AptError(`${request.name} points at ${pointer.target}=${pointer.version}, which apt does not know`);
          return stanzaToResolved(stanza, request.name);
        })()
      : stanzaToResolved(stanzaOf(request.name));
    if (seen.has(entry.name)) continue;
    seen.add(entry.name);
    resolved.push(entry);
  }
  return resolved;
}

async function loadResolution(path: string, fingerprint: string, requests: string): Promise<ResolvedPackage[] | undefined> {
  try {
    const cache = JSON.parse(await readFile(path, 'utf8')) as ResolutionCache;
    if (cache.fingerprint === fingerprint && cache.requests === requests && Array.isArray(cache.packages)) return cache.packages;
  } catch {
    // absent or unreadable: resolve again
  }
  return undefined;
}

async function cachedDebIsValid(path: string, pkg: ResolvedPackage): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== pkg.size) return false;
  } catch {
    return false;
  }
  return (await sha256File(path)) === pkg.sha256;
}

/**
 * Fetches packages (names or requests) into `<cacheDir>/debs/`. Each .deb is checked
 * against the SHA256 of apt's package index: a cached file that matches is reused, a
 * corrupt or truncated one is fetched again. Order of the result follows the requests;
 * a package requested twice (or reached twice through follow) appears once.
 */
export async function fetchPackages(
  requests: Array<string | PackageRequest>,
  opts: FetchOptions,
): Promise<FetchedPackage[]> {
  const progress = opts.onProgress ?? (() => {});
  const normalized = requests.map(normalizeRequest);
  if (normalized.length === 0) return [];
  const debsDir = join(opts.cacheDir, 'debs');
  await mkdir(debsDir, { recursive: true });

  const listsDir = await listsDirectory();
  const fingerprint = await aptStateFingerprint(listsDir);
  const requestKey = describeRequests(normalized);
  const resolutionPath = resolutionFile(debsDir, requestKey);
  let resolved = await loadResolution(resolutionPath, fingerprint, requestKey);
  if (resolved) {
    progress(`package versions unchanged since the last build (${resolved.length} packages)`);
  } else {
    progress(`resolving ${normalized.length} packages with apt-cache`);
    resolved = await resolve(normalized, listsDir);
    const cache: ResolutionCache = { fingerprint, requests: requestKey, packages: resolved };
    // Written aside and renamed: a concurrent build never reads half a file.
    const temporary = `${resolutionPath}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(cache, null, 2)}\n`);
    await rename(temporary, resolutionPath);
  }

  const valid = await Promise.all(
    resolved.map((pkg) => cachedDebIsValid(join(debsDir, debFileName(pkg.name, pkg.version, pkg.architecture)), pkg)),
  );
  const missing = resolved.filter((_, i) => !valid[i]);
  if (missing.length > 0) {
    progress(`downloading ${missing.map((p) => `${p.name}=${p.version}`).join(' ')}`);
    await download(missing, debsDir);
  }

  return resolved.map((pkg, i) => {
    const fetched: FetchedPackage = {
      name: pkg.name,
      version: pkg.version,
      architecture: pkg.architecture,
      debPath: join(debsDir, debFileName(pkg.name, pkg.version, pkg.architecture)),
      sha256: pkg.sha256,
      size: pkg.size,
      cached: valid[i]!,
    };
    if (pkg.followedFrom !== undefined) fetched.followedFrom = pkg.followedFrom;
    return fetched;
  });
}

/** One apt-get download for all missing packages, into a private directory, then verified and moved in. */
async function download(packages: ResolvedPackage[], debsDir: string): Promise<void> {
  const partial = await mkdtemp(join(debsDir, '.partial-'));
  try {
    // As root apt would drop to the _apt user, who cannot write into a cache under a
    // project directory; it then falls back with a warning. Say so up front instead.
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    await runApt('apt-get', [...sandbox, '-q', 'download', ...packages.map((p) => `${p.name}=${p.version}`)], partial);
    for (const pkg of packages) {
      const fileName = debFileName(pkg.name, pkg.version, pkg.architecture);
      const downloaded = join(partial, fileName);
      const actual = await sha256File(downloaded).catch((error: unknown) => {
        throw new AptError(`apt-get download did not produce ${fileName}`, { cause: error });
      });
      if (actual !== pkg.sha256) throw new PackageChecksumError(downloaded, pkg.sha256, actual);
      // rename is atomic: a concurrent build sees the old file or the whole new one.
      await rename(downloaded, join(debsDir, fileName));
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

// Extraction lives in its own module; re-exported so callers can take both from here.
export { extractPackage, extractPackages, PackageExtractError } from './extract-packages.ts';
export type { DebFile, ExtractedPackage, ExtractionResult } from './extract-packages.ts';
