// The suites the builder knows and the pockets (archive "dists") each one reads. A
// stable suite gets Debian's point-release updates and security fixes through its
// -updates and -security pockets; sid (unstable) has neither.

export const DEBIAN_SUITES = ['trixie', 'bookworm', 'sid'] as const;
export type DebianSuite = (typeof DEBIAN_SUITES)[number];

export const ARCHITECTURE = 'amd64';
export const COMPONENT = 'main';

/** A dist of the archive and which mirror serves it. */
export interface Pocket {
  dist: string;
  mirror: 'archive' | 'security';
}

export function suitePockets(suite: DebianSuite): Pocket[] {
  if (suite === 'sid') return [{ dist: 'sid', mirror: 'archive' }];
  return [
    { dist: suite, mirror: 'archive' },
    { dist: `${suite}-updates`, mirror: 'archive' },
    { dist: `${suite}-security`, mirror: 'security' },
  ];
}
