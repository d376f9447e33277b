// The package index of one pocket, read from the mirror the way apt reads it, without
// apt: InRelease (signature and Valid-Until checked), then main/binary-amd64/Packages(.gz)
// checked against the sha256 the signed text gives. Verified indexes are kept in
// <cacheDir>/indexes/ under their sha256, so a refresh with an unchanged pocket reads
// only its InRelease.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { execa } from 'execa';
import { gunzipSync } from 'node:zlib';
import { parseDependsField, parseStanzas, type DependencyAtom } from './deb822.ts';
import { ARCHITECTURE, COMPONENT, type Pocket } from './debian-suite.ts';
import { sha256File } from './file-hash.ts';
import { fetchText, fetchToFile, HttpFetchError } from './http-fetch.ts';
import { requireHostTool } from './host-tools.ts';
import { checkValidUntil, parseRelease, ReleaseFormatError, verifyInRelease, type ReleaseEntry } from './release-file.ts';
import { OdError } from '../../contract/errors.ts';

export class IndexChecksumError extends OdError {
  constructor(readonly url: string, readonly expected: ReleaseEntry, readonly actual: ReleaseEntry, options?: { cause?: unknown }) {
    super(`${url}: sha256 ${actual.sha256} (${actual.size} bytes) does not match the signed Release (${expected.sha256}, ${expected.size} bytes)`, options);
  }
}

/** One binary package as a Packages index lists it, reduced to what resolution and download need. */
export interface IndexPackage {
  name: string;
  version: string;
  architecture: string;
  filename: string;
  size: number;
  sha256: string;
  depends: DependencyAtom[][];
  provides: DependencyAtom[];
  /** The dist of the pocket that lists it. */
  pocket: string;
}

export interface PocketIndex {
  pocket: Pocket;
  packages: IndexPackage[];
}

const INDEX_FIELDS = new Set(['Package', 'Version', 'Architecture', 'Filename', 'Size', 'SHA256', 'Depends', 'Pre-Depends', 'Provides']);

/** Packages of an index text; only the target architecture and `all`. */
export function parsePackagesIndex(text: string, pocket: string): IndexPackage[] {
  const packages: IndexPackage[] = [];
  for (const stanza of parseStanzas(text, INDEX_FIELDS)) {
    const { Package: name, Version: version, Architecture: architecture, Filename: filename, Size: size, SHA256: sha256 } = stanza;
    if (!name || !version || !architecture || !filename || !size || !sha256) continue;
    if (architecture !== ARCHITECTURE && architecture !== 'all') continue;
    packages.push({
      name,
      version,
      architecture,
      filename,
      size: Number(size),
      sha256,
      // Pre-Depends first: dpkg needs them unpacked earlier; for the closure they count alike.
      depends: [...parseDependsField(stanza['Pre-Depends'] ?? ''), ...parseDependsField(stanza.Depends ?? '')],
      provides: parseDependsField(stanza.Provides ?? '').flat(),
      pocket,
    });
  }
  return packages;
}

export interface IndexOptions {
  cacheDir: string;
  keyring?: string;
  now?: Date;
  /** Accept a release past its Valid-Until (apt's Acquire::Check-Valid-Until=false), with a warning. */
  allowExpired?: boolean;
  onProgress?: (message: string) => void;
}

/** Reads a pocket's verified index from `mirror` (the base URL of the archive that serves it). */
export async function loadPocketIndex(mirror: string, pocket: Pocket, opts: IndexOptions): Promise<PocketIndex> {
  const distUrl = `${mirror}/dists/${pocket.dist}`;
  opts.onProgress?.(`${pocket.dist}: InRelease`);
  const inReleaseUrl = `${distUrl}/InRelease`;
  const signed = await verifyInRelease(await fetchText(inReleaseUrl), inReleaseUrl, opts.keyring);
  const release = parseRelease(signed, inReleaseUrl);
  if (opts.allowExpired && release.validUntil && release.validUntil.getTime() < (opts.now ?? new Date()).getTime()) {
    opts.onProgress?.(`WARNING ${pocket.dist}: expired on ${release.validUntil.toISOString()} (Valid-Until), accepted as asked`);
  } else {
    checkValidUntil(release, inReleaseUrl, opts.now);
  }

  // Release lists more forms than a mirror keeps (the -updates and -security pockets
  // list a plain Packages that is not served): try .gz (Node gunzips it), then .xz (the
  // host's xz), then the plain file, and go on to the next form on a 404.
  const base = `${COMPONENT}/binary-${ARCHITECTURE}/Packages`;
  const forms = [`${base}.gz`, `${base}.xz`, base].filter((path) => release.sha256.has(path));
  if (forms.length === 0) throw new ReleaseFormatError(inReleaseUrl, `lists no ${base}(.gz|.xz)`);
  let lastError: unknown;
  for (const path of forms) {
    try {
      const file = await fetchVerifiedIndex(`${distUrl}/${path}`, release.sha256.get(path)!, opts);
      return { pocket, packages: parsePackagesIndex(await decompressIndex(file, path), pocket.dist) };
    } catch (error) {
      if (!(error instanceof HttpFetchError && error.status === 404)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function decompressIndex(file: string, path: string): Promise<string> {
  if (path.endsWith('.gz')) return gunzipSync(await readFile(file)).toString('utf8');
  if (path.endsWith('.xz')) {
    const xz = requireHostTool('xz', 'xz-utils');
    return (await execa(xz, ['-dc', file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stripFinalNewline: false })).stdout;
  }
  return readFile(file, 'utf8');
}

/** The index file in the cache, named by its sha256; fetched and verified when absent or broken. */
async function fetchVerifiedIndex(url: string, entry: ReleaseEntry, opts: IndexOptions): Promise<string> {
  const indexDir = join(opts.cacheDir, 'indexes');
  await mkdir(indexDir, { recursive: true });
  const cached = join(indexDir, `${entry.sha256}${extname(url)}`);
  if (existsSync(cached) && (await sha256File(cached)) === entry.sha256) return cached;
  opts.onProgress?.(`${url.replace(/^.*\/dists\//, '')} (${(entry.size / 1e6).toFixed(1)} MB)`);
  const partial = `${cached}.${process.pid}.partial`;
  await fetchToFile(url, partial);
  const actual = { sha256: await sha256File(partial), size: (await stat(partial)).size };
  if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
    await rm(partial, { force: true });
    throw new IndexChecksumError(url, entry, actual);
  }
  await rename(partial, cached);
  return cached;
}
