// The shared libraries a set of ELF files needs, transitively, and where each goes in the
// initrd so the dynamic loader finds it there.
//
// Resolution rule (why the initrd does not depend on what happens to be installed on the
// build host):
//   1. A needed library is looked up like the loader would, by soname: first in the
//      needing file's DT_RUNPATH (or DT_RPATH), then in the standard directories
//      (lib/x86_64-linux-gnu, usr/lib/x86_64-linux-gnu, lib64, usr/lib64, lib, usr/lib)
//      of the staging root, where the fetched Debian packages were extracted.
//   2. Only if the staging root lacks it, the same directories of the build host are
//      searched. Such a host library is accepted, by default, only if the Debian package
//      owning it belongs to a minimal Debian 12 system (DEBIAN_12_BASE_PACKAGES): any
//      Debian 12 build host has exactly that file. Anything else is an error naming the
//      package to add to the fetched list. `hostFallback: 'none'` refuses the host
//      entirely (the initrd then comes from fetched, checksummed packages alone);
//      `'any'` accepts whatever the host has.
// A candidate whose ELF class or machine differs from the needing file is skipped, as the
// loader skips it.
//
// Targets: the initrd has no ld.so.cache, so the loader searches its built-in system
// directories (/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib). Every
// library found in a standard directory is placed at /usr/lib/x86_64-linux-gnu/<soname>
// (reached also as /lib/... through the merged-/usr link): the real file's bytes under
// the name the loader asks for, so no soname symlink is needed. The interpreter goes to
// the /usr spelling of its PT_INTERP path (/usr/lib64/ld-linux-x86-64.so.2, reached as
// /lib64/... through the lib64 link).
import { stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { ElfError, isElf, readElfDynamicInfo, type ElfDynamicInfo } from './elf.ts';
import { DEBIAN_12_BASE_PACKAGES, hostPackageOwners } from './host-packages.ts';
import { canonicalUsrPath } from './merged-usr.ts';
import { resolveInRoot } from './root-path.ts';

export type HostFallback = 'base' | 'any' | 'none';

export interface LibraryClosureOptions {
  /** Whether libraries missing from the staging root may come from the host; default 'base'. */
  hostFallback?: HostFallback;
  /** Packages that count as the base for hostFallback 'base'. */
  basePackages?: ReadonlySet<string>;
  /** Root of the host's filesystem (tests); default "/". */
  hostRoot?: string;
  /** Debian multiarch triplet of the target; default x86_64-linux-gnu. */
  multiarch?: string;
}

/** One file of the closure: copy `sourcePath` (a real file, symlinks resolved) to `targetPath`. */
export interface LibraryFile {
  sourcePath: string;
  /** Absolute path in the initrd ("/usr/lib/x86_64-linux-gnu/libc.so.6"). */
  targetPath: string;
  /** The name the loader asks for ("libc.so.6", or the interpreter's file name). */
  soname: string;
  origin: 'staging' | 'host';
  /** The files (as given, or as found) that need it. */
  neededBy: string[];
  /** For the interpreter: the target of the same bytes elsewhere in the closure, so a writer may link instead of copying. */
  symlinkTo?: string;
  /** For host libraries: the Debian package that owns the file on the build host. */
  hostPackage?: string;
}

export class LibraryNotFoundError extends Error {
  constructor(
    readonly missing: Array<{ soname: string; neededBy: string[] }>,
    options?: { cause?: unknown },
  ) {
    super(
      `shared libraries not found in the staging root nor on the host: ${missing
        .map((m) => `${m.soname} (needed by ${m.neededBy.join(', ')})`)
        .join('; ')}`,
      options,
    );
    this.name = 'LibraryNotFoundError';
  }
}

export class HostLibraryNotAllowedError extends Error {
  constructor(
    readonly libraries: Array<{ soname: string; hostPath: string; hostPackage?: string; neededBy: string[] }>,
    readonly policy: HostFallback,
    options?: { cause?: unknown },
  ) {
    const packages = [...new Set(libraries.map((l) => l.hostPackage).filter((p): p is string => Boolean(p)))];
    super(
      `libraries found only on the build host, which hostFallback '${policy}' does not accept: ${libraries
        .map((l) => `${l.soname} at ${l.hostPath} (${l.hostPackage ? `package ${l.hostPackage}` : 'owned by no package'}; needed by ${l.neededBy.join(', ')})`)
        .join('; ')}${packages.length > 0 ? `. Add to the fetched packages: ${packages.join(' ')}` : ''}`,
      options,
    );
    this.name = 'HostLibraryNotAllowedError';
  }
}

interface Located {
  root: string;
  origin: 'staging' | 'host';
  /** Path inside its root, as found (before symlinks). */
  foundAt: string;
  /** Real file on disk. */
  diskPath: string;
}

interface Node {
  label: string;
  located: Located;
  info: ElfDynamicInfo;
}

const STANDARD_DIRS = (multiarch: string): string[] => [
  `/lib/${multiarch}`,
  `/usr/lib/${multiarch}`,
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

function insideRoot(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return `/${rel.split('\\').join('/')}`;
}

/** Runpath entries with $ORIGIN expanded to the needing file's directory (inside its root). */
function searchPath(node: Node, multiarch: string): string[] {
  const entries = node.info.runpath.length > 0 ? node.info.runpath : node.info.rpath;
  const origin = posix.dirname(node.located.foundAt);
  return entries
    .map((entry) => entry.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin).replace(/\$(\{LIB\}|LIB)/g, `lib/${multiarch}`))
    .filter((entry) => entry.startsWith('/') && !entry.includes('$'));
}

/**
 * Computes the closure of `binaryPaths` (disk paths; relative ones are taken inside the
 * staging root). Files that are not ELF (scripts) and static binaries contribute
 * nothing. Returns the library files sorted by target path.
 */
export async function resolveLibraryClosure(
  binaryPaths: string[],
  stagingRoot: string,
  options: LibraryClosureOptions = {},
): Promise<LibraryFile[]> {
  const policy = options.hostFallback ?? 'base';
  const hostRoot = options.hostRoot ?? '/';
  const multiarch = options.multiarch ?? 'x86_64-linux-gnu';
  const root = resolve(stagingRoot);
  const roots: Array<{ root: string; origin: 'staging' | 'host' }> = [
    { root, origin: 'staging' },
    { root: hostRoot, origin: 'host' },
  ];
  const elfCache = new Map<string, ElfDynamicInfo | null>();
  const elfInfo = async (diskPath: string): Promise<ElfDynamicInfo | null> => {
    if (!elfCache.has(diskPath)) {
      elfCache.set(diskPath, (await isElf(diskPath)) ? await readElfDynamicInfo(diskPath) : null);
    }
    return elfCache.get(diskPath)!;
  };

  const locate = async (inRoot: string, where: { root: string; origin: 'staging' | 'host' }): Promise<Located | undefined> => {
    const real = await resolveInRoot(where.root, inRoot);
    if (!real) return undefined;
    const diskPath = join(where.root, real);
    try {
      if (!(await stat(diskPath)).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return { root: where.root, origin: where.origin, foundAt: inRoot, diskPath };
  };

  const libraries = new Map<string, LibraryFile & { located: Located }>();
  const missing = new Map<string, Set<string>>();
  const interpreters = new Map<string, Set<string>>();
  const queue: Node[] = [];

  for (const given of binaryPaths) {
    const givenPath = isAbsolute(given) ? given : join(root, given);
    const inStaging = insideRoot(root, givenPath);
    // A link inside the staging root (docker-init -> tini-static) is followed within
    // the root, never to the build host's file of the same name.
    const real = inStaging ? await resolveInRoot(root, inStaging) : givenPath;
    if (real === undefined) throw new LibraryNotFoundError([{ soname: given, neededBy: ['(the given binaries)'] }]);
    const diskPath = inStaging ? join(root, real) : givenPath;
    const located: Located = inStaging
      ? { root, origin: 'staging', foundAt: real, diskPath } // $ORIGIN is the real file's directory, as for the loader
      : { root: hostRoot, origin: 'host', foundAt: givenPath, diskPath };
    const info = await elfInfo(diskPath);
    if (info) queue.push({ label: inStaging ?? givenPath, located, info });
  }

  const findLibrary = async (soname: string, needer: Node): Promise<Located | undefined> => {
    const runpath = searchPath(needer, multiarch).map((dir) => ({ dir, roots: [{ root: needer.located.root, origin: needer.located.origin }] }));
    const standard = roots.flatMap((where) => STANDARD_DIRS(multiarch).map((dir) => ({ dir, roots: [where] })));
    for (const { dir, roots: searchRoots } of [...runpath, ...standard]) {
      for (const where of searchRoots) {
        const located = await locate(posix.join(dir, soname), where);
        if (!located) continue;
        const info = await elfInfo(located.diskPath).catch((error: unknown) => {
          if (error instanceof ElfError) return null;
          throw error;
        });
        if (info && info.class === needer.info.class && info.machine === needer.info.machine) return located;
      }
    }
    return undefined;
  };

  const standardDirs = new Set(STANDARD_DIRS(multiarch));
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node.info.interpreter) {
      const users = interpreters.get(node.info.interpreter) ?? new Set<string>();
      users.add(node.label);
      interpreters.set(node.info.interpreter, users);
    }
    for (const soname of node.info.needed) {
      const key = `${node.info.class}:${node.info.machine}:${soname}`;
      const known = libraries.get(key);
      if (known) {
        if (!known.neededBy.includes(node.label)) known.neededBy.push(node.label);
        continue;
      }
      const located = await findLibrary(soname, node);
      if (!located) {
        const users = missing.get(soname) ?? new Set<string>();
        users.add(node.label);
        missing.set(soname, users);
        continue;
      }
      const dir = posix.dirname(located.foundAt);
      const targetDir = standardDirs.has(dir) ? `/usr/lib/${multiarch}` : canonicalUsrPath(dir);
      const library = {
        sourcePath: located.diskPath,
        targetPath: posix.join(targetDir, soname),
        soname,
        origin: located.origin,
        neededBy: [node.label],
        located,
      };
      libraries.set(key, library);
      const info = await elfInfo(located.diskPath);
      if (info) queue.push({ label: located.origin === 'staging' ? located.foundAt : `host:${located.foundAt}`, located, info });
    }
  }

  if (missing.size > 0) {
    throw new LibraryNotFoundError([...missing].map(([soname, users]) => ({ soname, neededBy: [...users] })));
  }

  const result: Array<LibraryFile & { located: Located }> = [...libraries.values()];
  for (const [interpreter, users] of interpreters) {
    let located: Located | undefined;
    for (const where of roots) {
      located = await locate(interpreter, where);
      if (located) break;
    }
    if (!located) throw new LibraryNotFoundError([{ soname: interpreter, neededBy: [...users] }]);
    const same = result.find((lib) => lib.sourcePath === located.diskPath);
    const entry: LibraryFile & { located: Located } = {
      sourcePath: located.diskPath,
      targetPath: canonicalUsrPath(interpreter),
      soname: posix.basename(interpreter),
      origin: located.origin,
      neededBy: [...users],
      located,
    };
    if (same && same.targetPath !== entry.targetPath) entry.symlinkTo = same.targetPath;
    if (!result.some((lib) => lib.targetPath === entry.targetPath)) result.push(entry);
  }

  await checkHostLibraries(result, policy, options.basePackages ?? DEBIAN_12_BASE_PACKAGES);
  return result
    .map(({ located: _located, ...library }) => library)
    .sort((a, b) => (a.targetPath < b.targetPath ? -1 : a.targetPath > b.targetPath ? 1 : 0));
}

async function checkHostLibraries(
  libraries: Array<LibraryFile & { located: Located }>,
  policy: HostFallback,
  basePackages: ReadonlySet<string>,
): Promise<void> {
  const fromHost = libraries.filter((lib) => lib.origin === 'host');
  if (fromHost.length === 0) return;
  const owners = await hostPackageOwners(fromHost.map((lib) => lib.located.foundAt));
  for (const lib of fromHost) {
    const owner = owners.get(lib.located.foundAt);
    if (owner) lib.hostPackage = owner;
  }
  if (policy === 'any') return;
  const refused = fromHost.filter((lib) => policy === 'none' || !lib.hostPackage || !basePackages.has(lib.hostPackage));
  if (refused.length > 0) {
    throw new HostLibraryNotAllowedError(
      refused.map((lib) => {
        const entry: { soname: string; hostPath: string; hostPackage?: string; neededBy: string[] } = {
          soname: lib.soname,
          hostPath: lib.located.foundAt,
          neededBy: lib.neededBy,
        };
        if (lib.hostPackage) entry.hostPackage = lib.hostPackage;
        return entry;
      }),
      policy,
    );
  }
}
