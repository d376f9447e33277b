// The README of the release bundle: the part of the repository's README between two
// markers, so the instructions a person reads in the bundle are the ones kept in the
// repository, not a second copy that drifts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../project.ts';
import { OutputWriteError } from './output-errors.ts';

export const README_PATH = join(REPO_ROOT, 'README.md');
export const RELEASE_START = '<!-- release-readme:start -->';
export const RELEASE_END = '<!-- release-readme:end -->';

export function releaseReadme(readme: string, version: string): string {
  const start = readme.indexOf(RELEASE_START);
  const end = readme.indexOf(RELEASE_END);
  if (start < 0 || end < start) {
    throw new OutputWriteError('tarball', `README.md has no section between "${RELEASE_START}" and "${RELEASE_END}" for the release bundle`);
  }
  const body = readme.slice(start + RELEASE_START.length, end).trim();
  return `# only-docker ${version}\n\n${body}\n`;
}

export async function readReleaseReadme(version: string): Promise<string> {
  return releaseReadme(await readFile(README_PATH, 'utf8'), version);
}
