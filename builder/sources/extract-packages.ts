// Unpacks fetched .debs into a staging root with `dpkg-deb -X`, which extracts and lists
// in one pass, so the build can later say which package gave which file.
import { mkdir } from 'node:fs/promises';
import { execa, ExecaError } from 'execa';
import { requireHostTool } from './host-tools.ts';
import { linkMergedUsr } from './merged-usr.ts';
import { OdError } from '../../contract/errors.ts';

export class PackageExtractError extends OdError {}

/** The least extract needs from a fetched package. */
export interface DebFile {
  name: string;
  debPath: string;
}

export interface ExtractedPackage<P extends DebFile = DebFile> {
  package: P;
  /** Paths relative to the staging root ("usr/sbin/dockerd"), directories left out. */
  files: string[];
}

export interface ExtractionResult<P extends DebFile = DebFile> {
  packages: ExtractedPackage<P>[];
  /** Staging-relative path -> name of the package that put it there last. */
  owners: Map<string, string>;
  /** Files shipped by two packages (the later one wins, as the order of the list says). */
  overwritten: Array<{ path: string; first: string; second: string }>;
}

/** dpkg-deb -X prints "./usr/bin/tini", directories with a trailing slash. */
export function parseExtractListing(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^\.\//, ''));
}

export async function extractPackage<P extends DebFile>(pkg: P, destDir: string): Promise<ExtractedPackage<P>> {
  const dpkgDeb = requireHostTool('dpkg-deb', 'dpkg');
  await mkdir(destDir, { recursive: true });
  try {
    const { stdout } = await execa(dpkgDeb, ['-X', pkg.debPath, destDir], { env: { LC_ALL: 'C' } });
    return { package: pkg, files: parseExtractListing(stdout) };
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() || error.shortMessage : String(error);
    throw new PackageExtractError(`dpkg-deb -X ${pkg.debPath} failed: ${detail}`, { cause: error });
  }
}

/**
 * Extracts each package into the same staging root, in the given order (one at a
 * time: two tar processes writing the same directories could race on their modes), then
 * adds the merged-/usr links, so /lib/modules and /sbin/mke2fs resolve as on Debian.
 */
export async function extractPackages<P extends DebFile>(debs: P[], stagingDir: string): Promise<ExtractionResult<P>> {
  const packages: ExtractedPackage<P>[] = [];
  const owners = new Map<string, string>();
  const overwritten: ExtractionResult<P>['overwritten'] = [];
  for (const deb of debs) {
    const extracted = await extractPackage(deb, stagingDir);
    for (const path of extracted.files) {
      const previous = owners.get(path);
      if (previous !== undefined && previous !== deb.name) overwritten.push({ path, first: previous, second: deb.name });
      owners.set(path, deb.name);
    }
    packages.push(extracted);
  }
  await linkMergedUsr(stagingDir);
  return { packages, owners, overwritten };
}
