// The shared libraries a set of ELF files needs, transitively, and where each goes in the
// initrd so the dynamic loader finds it there.
//
// Resolution rule: a needed library is looked up like the loader would, by soname: first
// in the needing file's DT_RUNPATH (or DT_RPATH), then in the standard directories
// (lib/x86_64-linux-gnu, usr/lib/x86_64-linux-gnu, lib64, usr/lib64, lib, usr/lib) of the
// staging root, where the locked Debian packages were extracted. Never on the build host:
// its libraries belong to its own Debian release, not to the payload's suite, so a
// library the staging root lacks is an error naming it (add its package to the list).
// A binary given from outside the staging root (the compiled init) is read from where it
// is, and its libraries come from the staging root like every other's.
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
import { canonicalUsrPath } from './merged-usr.ts';
import { resolveInRoot } from './root-path.ts';
import { OdError } from '../../contract/errors.ts';

export interface LibraryClosureOptions {
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
  /** The files (as given, or as found) that need it. */
  neededBy: string[];
  /** For the interpreter: the target of the same bytes elsewhere in the closure, so a writer may link instead of copying. */
  symlinkTo?: string;
}

export class LibraryNotFoundError extends OdError {
  constructor(
    readonly missing: Array<{ soname: string; neededBy: string[] }>,
    options?: { cause?: unknown },
  ) {
    super(
      `shared libraries not found in the staging root (add the Debian packages that ship them to "packages"): ${missing
        .map((m) => `${m.soname} (needed by ${m.neededBy.join(', ')})`)
        .join('; ')}`,
      options,
    );
  }
}

interface Located {
  root: string;
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
  const multiarch = options.multiarch ?? 'x86_64-linux-gnu';
  const root = resolve(stagingRoot);
  const elfCache = new Map<string, ElfDynamicInfo | null>();
  const elfInfo = async (diskPath: string): Promise<ElfDynamicInfo | null> => {
    if (!elfCache.has(diskPath)) {
      elfCache.set(diskPath, (await isElf(diskPath)) ? await readElfDynamicInfo(diskPath) : null);
    }
    return elfCache.get(diskPath)!;
  };

  const locate = async (inRoot: string, searchRoot: string): Promise<Located | undefined> => {
    const real = await resolveInRoot(searchRoot, inRoot);
    if (!real) return undefined;
    const diskPath = join(searchRoot, real);
    try {
      if (!(await stat(diskPath)).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return { root: searchRoot, foundAt: inRoot, diskPath };
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
      ? { root, foundAt: real, diskPath } // $ORIGIN is the real file's directory, as for the loader
      : { root: '/', foundAt: givenPath, diskPath };
    const info = await elfInfo(diskPath);
    if (info) queue.push({ label: inStaging ?? givenPath, located, info });
  }

  const findLibrary = async (soname: string, needer: Node): Promise<Located | undefined> => {
    // A runpath of a binary from outside the staging root still points into the staging root.
    for (const dir of [...searchPath(needer, multiarch), ...STANDARD_DIRS(multiarch)]) {
      const located = await locate(posix.join(dir, soname), root);
      if (!located) continue;
      const info = await elfInfo(located.diskPath).catch((error: unknown) => {
        if (error instanceof ElfError) return null;
        throw error;
      });
      if (info && info.class === needer.info.class && info.machine === needer.info.machine) return located;
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
        neededBy: [node.label],
        located,
      };
      libraries.set(key, library);
      const info = await elfInfo(located.diskPath);
      if (info) queue.push({ label: located.foundAt, located, info });
    }
  }

  if (missing.size > 0) {
    throw new LibraryNotFoundError([...missing].map(([soname, users]) => ({ soname, neededBy: [...users] })));
  }

  const result: Array<LibraryFile & { located: Located }> = [...libraries.values()];
  for (const [interpreter, users] of interpreters) {
    const located = await locate(interpreter, root);
    if (!located) throw new LibraryNotFoundError([{ soname: interpreter, neededBy: [...users] }]);
    const same = result.find((lib) => lib.sourcePath === located.diskPath);
    const entry: LibraryFile & { located: Located } = {
      sourcePath: located.diskPath,
      targetPath: canonicalUsrPath(interpreter),
      soname: posix.basename(interpreter),
      neededBy: [...users],
      located,
    };
    if (same && same.targetPath !== entry.targetPath) entry.symlinkTo = same.targetPath;
    if (!result.some((lib) => lib.targetPath === entry.targetPath)) result.push(entry);
  }

  return result
    .map(({ located: _located, ...library }) => library)
    .sort((a, b) => (a.targetPath < b.targetPath ? -1 : a.targetPath > b.targetPath ? 1 : 0));
}
