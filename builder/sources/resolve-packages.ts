// Which packages a request needs, decided from the pockets' indexes alone: the requested
// packages and the closure of their Depends and Pre-Depends. Pure (no I/O), so it is
// tested on small fixtures.
//
// Rules, close to what apt does for a fresh install without Recommends:
//   - A name's candidate is its highest version across the pockets (a fix in -security
//     or -updates wins over the release pocket).
//   - An alternative group (a | b) is satisfied if a package already chosen satisfies
//     one of its alternatives; otherwise the first alternative that can be satisfied is
//     taken: a real package with a version that meets the constraint, else a package
//     that Provides the name (a versioned Provides when the dependency is versioned).
//   - A group that names an excluded package, or a name an excluded package Provides
//     (perlapi-5.40.0 of perl-base), counts as satisfied: the exclude list holds the
//     packages that only serve dpkg's maintainer scripts, which never run here.
//   - Conflicts, Breaks and Recommends are not followed: nothing is installed by dpkg.
// Processing is breadth-first in request order, so the result is deterministic.
import type { DependencyAtom } from './deb822.ts';
import type { IndexPackage } from './archive-index.ts';
import { compareDebianVersions, satisfiesRelation } from './debian-version.ts';
import { OdError } from '../../contract/errors.ts';

export class PackageNotFoundError extends OdError {
  constructor(readonly packageName: string, readonly where: string, options?: { cause?: unknown }) {
    super(`no package "${packageName}" in ${where} (misspelt, or only a virtual name: request a package that provides it)`, options);
  }
}

export class UnsatisfiedDependencyError extends OdError {
  constructor(readonly packageName: string, readonly version: string, readonly dependency: string, options?: { cause?: unknown }) {
    super(`${packageName} ${version} depends on "${dependency}", which no package in the indexes satisfies`, options);
  }
}

export class DependencyConflictError extends OdError {
  constructor(readonly packageName: string, readonly chosen: string, readonly dependency: string, readonly neededBy: string, options?: { cause?: unknown }) {
    super(`${neededBy} needs ${dependency}, but ${packageName} ${chosen} was already chosen`, options);
  }
}

export interface ResolvedPackage extends IndexPackage {
  /** Why it is there: "requested", or the package whose dependency brought it. */
  reason: string;
}

const describeAtom = (atom: DependencyAtom): string => (atom.relation ? `${atom.name} (${atom.relation} ${atom.version})` : atom.name);
const describeGroup = (group: DependencyAtom[]): string => group.map(describeAtom).join(' | ');
const newestFirst = (a: IndexPackage, b: IndexPackage): number => compareDebianVersions(b.version, a.version) || a.pocket.localeCompare(b.pocket);

export class PackageUniverse {
  private readonly byName = new Map<string, IndexPackage[]>();
  private readonly providers = new Map<string, Array<{ pkg: IndexPackage; version?: string }>>();

  constructor(packages: Iterable<IndexPackage>) {
    for (const pkg of packages) {
      let list = this.byName.get(pkg.name);
      if (!list) this.byName.set(pkg.name, (list = []));
      list.push(pkg);
      for (const provided of pkg.provides) {
        let providers = this.providers.get(provided.name);
        if (!providers) this.providers.set(provided.name, (providers = []));
        providers.push(provided.relation === '=' && provided.version ? { pkg, version: provided.version } : { pkg });
      }
    }
    for (const list of this.byName.values()) list.sort(newestFirst);
  }

  /** Versions of a real package, newest first. */
  versions(name: string): IndexPackage[] {
    return this.byName.get(name) ?? [];
  }

  /** Packages providing `atom.name` in a way that meets its constraint, each name's newest first. */
  providersOf(atom: DependencyAtom): IndexPackage[] {
    const matching = (this.providers.get(atom.name) ?? []).filter(({ version }) => {
      if (!atom.relation) return true;
      // A versioned dependency is only met by a versioned Provides (policy 7.5).
      return version !== undefined && satisfiesRelation(version, atom.relation, atom.version!);
    });
    return matching.map(({ pkg }) => pkg).sort((a, b) => a.name.localeCompare(b.name) || newestFirst(a, b));
  }
}

function meets(pkg: IndexPackage, atom: DependencyAtom): boolean {
  if (pkg.name === atom.name) return !atom.relation || satisfiesRelation(pkg.version, atom.relation, atom.version!);
  return pkg.provides.some(
    (p) => p.name === atom.name && (!atom.relation || (p.relation === '=' && p.version !== undefined && satisfiesRelation(p.version, atom.relation, atom.version!))),
  );
}

/**
 * Resolves `requests` (package names) and their dependency closure. Returns packages sorted
 * by name. `where` only names the indexes in errors ("trixie, trixie-updates...").
 */
export function resolvePackages(
  requests: readonly string[],
  universe: PackageUniverse,
  opts: { exclude?: readonly string[]; where: string },
): ResolvedPackage[] {
  const exclude = new Set(opts.exclude ?? []);
  const chosen = new Map<string, ResolvedPackage>();
  const queue: ResolvedPackage[] = [];
  const choose = (pkg: IndexPackage, reason: string): void => {
    const resolved = { ...pkg, reason };
    chosen.set(pkg.name, resolved);
    queue.push(resolved);
  };

  for (const name of requests) {
    if (chosen.has(name)) continue;
    const [newest] = universe.versions(name);
    if (!newest) throw new PackageNotFoundError(name, opts.where);
    choose(newest, 'requested');
  }

  while (queue.length > 0) {
    const pkg = queue.shift()!;
    for (const group of pkg.depends) {
      if (group.some((atom) => exclude.has(atom.name) || universe.providersOf(atom).some((provider) => exclude.has(provider.name)))) continue;
      if (group.some((atom) => [...chosen.values()].some((c) => meets(c, atom)))) continue;
      let picked: IndexPackage | undefined;
      for (const atom of group) {
        const already = chosen.get(atom.name);
        if (already) continue; // chosen, but in a version that does not meet the constraint
        picked =
          universe.versions(atom.name).find((candidate) => meets(candidate, atom)) ??
          universe.providersOf(atom).find((provider) => !chosen.has(provider.name) && !exclude.has(provider.name));
        if (picked) break;
      }
      if (!picked) {
        const conflicting = group.map((atom) => chosen.get(atom.name)).find((c) => c !== undefined);
        if (conflicting) throw new DependencyConflictError(conflicting.name, conflicting.version, describeGroup(group), `${pkg.name} ${pkg.version}`);
        throw new UnsatisfiedDependencyError(pkg.name, pkg.version, describeGroup(group));
      }
      choose(picked, pkg.name);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
