// Turns an image definition into the entries of its root filesystem: files taken from
// the staging root (extracted Debian packages), the literal rootfs/ directory, declared
// directories and symlinks, busybox and its applet links, and the shared libraries the
// dynamically linked files need.
//
// When two sources want the same path, the more deliberate one wins:
//   1. what the definition names (files, rootfs/, directories, symlinks, busybox):
//      two of these at one path is an error;
//   2. the library closure (a file named in 1 at the same path is kept);
//   3. busybox applet links (e2fsprogs' real mke2fs replaces busybox's applet).
//
// The images are merged-/usr like Debian 12 and the initrd: /bin, /sbin, /lib and
// /lib64 are links into /usr, and every entry is stored under its /usr spelling, so a
// program or loader asking for either path finds the file (docker's PT_INTERP is
// /lib64/ld-linux-x86-64.so.2; the library resolver places it in /usr/lib64).
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BUSYBOX_IMAGE_PATH } from './busybox-applets.ts';
import { readElfInterpreter } from '../sources/elf.ts';
import type { ImageDefinition } from './image-definition.ts';
import { canonicalUsrPath, MERGED_USR_LINKS } from '../sources/merged-usr.ts';
import { completeLayerTree, normaliseImagePath, type LayerEntry } from './layer-entry.ts';
import { OdError } from '../../contract/errors.ts';

/** One file of a library closure: where it is on the build host and where it goes. */
export interface LibraryFile {
  sourcePath: string;
  targetPath: string;
  /** The same bytes are already at this image path: link to it instead of a second copy. */
  symlinkTo?: string;
}

/** A build artifact an image definition names: a file on the build host, or bytes. */
export type ArtifactSource = { sourcePath: string } | { bytes: Uint8Array };

/** Finds the shared libraries (and loader) the given binaries need, transitively. */
export type ResolveLibraries = (binaryPaths: string[]) => Promise<LibraryFile[]>;

export class RootfsPlanError extends OdError {}

/**
 * File modes are reduced to 0755 (any execute bit) or 0644: git keeps only the
 * execute bit of rootfs/ files, and a checkout's umask must not change image bytes.
 * Nothing in these images needs setuid or private files.
 */
export function normalisedFileMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

export interface ExplicitEntries {
  entries: LayerEntry[];
  /** Build-host paths of the dynamically linked executables among the files. */
  dynamicBinaries: string[];
  /** Image paths of symlinks copied from the staging root, checked for dangling targets. */
  stagingSymlinks: string[];
}

/** Walks a host directory into entries under `imageDir` (symlinks kept as symlinks). */
async function walkDirectory(hostDir: string, imageDir: string, out: LayerEntry[], symlinks: string[] | undefined): Promise<void> {
  const names = (await readdir(hostDir)).sort();
  for (const name of names) {
    const hostPath = join(hostDir, name);
    const imagePath = imageDir === '/' ? `/${name}` : `${imageDir}/${name}`;
    const info = await lstat(hostPath);
    if (info.isDirectory()) {
      out.push({ type: 'directory', path: imagePath, mode: 0o755 });
      await walkDirectory(hostPath, imagePath, out, symlinks);
    } else if (info.isSymbolicLink()) {
      out.push({ type: 'symlink', path: imagePath, target: await readlink(hostPath) });
      symlinks?.push(imagePath);
    } else if (info.isFile()) {
      out.push({ type: 'file', path: imagePath, mode: normalisedFileMode(info.mode), content: { sourcePath: hostPath } });
    } else {
      throw new RootfsPlanError(`${hostPath} is neither a file, a directory nor a symlink`);
    }
  }
}

/** The entries the definition names itself (priority 1). */
export async function collectExplicitEntries(
  definition: ImageDefinition,
  stagingRoot: string,
  busyboxPath: string | undefined,
  artifacts: Readonly<Record<string, ArtifactSource>> = {},
): Promise<ExplicitEntries> {
  const entries: LayerEntry[] = [];
  const stagingSymlinks: string[] = [];
  const dynamicBinaries: string[] = [];

  // Declared directories first: their modes win over the 0755 of implied parents.
  for (const dir of definition.directories) entries.push({ type: 'directory', path: dir.path, mode: parseInt(dir.mode, 8) });

  if (definition.busybox) {
    if (!busyboxPath) throw new RootfsPlanError(`${definition.source}: uses busybox but no busybox binary was given`);
    entries.push({ type: 'file', path: BUSYBOX_IMAGE_PATH, mode: 0o755, content: { sourcePath: busyboxPath } });
  }

  for (const file of definition.files) {
    const hostPath = join(stagingRoot, file.from);
    const imagePath = file.to ?? `/${file.from}`;
    let info;
    try {
      info = await lstat(hostPath);
    } catch (cause) {
      if (file.optional) continue;
      throw new RootfsPlanError(`${definition.source}: "${file.from}" is not in the staging root ${stagingRoot}`, { cause });
    }
    if (info.isSymbolicLink()) {
      entries.push({ type: 'symlink', path: imagePath, target: await readlink(hostPath) });
      stagingSymlinks.push(imagePath);
    } else if (info.isDirectory()) {
      entries.push({ type: 'directory', path: imagePath, mode: 0o755 });
      await walkDirectory(hostPath, imagePath, entries, stagingSymlinks);
    } else if (info.isFile()) {
      entries.push({ type: 'file', path: imagePath, mode: normalisedFileMode(info.mode), content: { sourcePath: hostPath } });
      if (await readElfInterpreter(hostPath)) dynamicBinaries.push(hostPath);
    } else {
      throw new RootfsPlanError(`${definition.source}: "${file.from}" is neither a file, a directory nor a symlink`);
    }
  }

  for (const artifact of definition.artifacts) {
    const content = artifacts[artifact.name];
    if (!content) {
      const known = Object.keys(artifacts);
      throw new RootfsPlanError(`${definition.source}: artifact "${artifact.name}" is not made by this build (it makes: ${known.join(', ') || 'none'})`);
    }
    entries.push({ type: 'file', path: artifact.to, mode: parseInt(artifact.mode, 8), content });
    if ('sourcePath' in content && (await readElfInterpreter(content.sourcePath))) dynamicBinaries.push(content.sourcePath);
  }

  if (definition.rootfs) {
    try {
      await walkDirectory(definition.rootfs, '/', entries, undefined);
    } catch (cause) {
      if (cause instanceof RootfsPlanError) throw cause;
      throw new RootfsPlanError(`${definition.source}: cannot read rootfs directory ${definition.rootfs}`, { cause });
    }
  }

  for (const link of definition.symlinks) entries.push({ type: 'symlink', path: link.path, target: link.target });

  return { entries, dynamicBinaries, stagingSymlinks };
}

/** The entry at its /usr spelling ("/bin/sh" is stored as "/usr/bin/sh"). */
function atUsrPath<T extends LayerEntry>(entry: T): T {
  return { ...entry, path: canonicalUsrPath(normaliseImagePath(entry.path)) };
}

/** The four merged-/usr links, relative like Debian's ("/lib64" -> "usr/lib64"). */
function mergedUsrLinks(): LayerEntry[] {
  return MERGED_USR_LINKS.map((link) => ({ type: 'symlink' as const, path: `/${link.path}`, target: link.target }));
}

/** Library files as entries; one target from two different files is an error. */
async function libraryEntries(libraries: readonly LibraryFile[]): Promise<LayerEntry[]> {
  const byTarget = new Map<string, { real: string; entry: LayerEntry }>();
  for (const library of libraries) {
    const path = canonicalUsrPath(normaliseImagePath(library.targetPath));
    if (library.symlinkTo !== undefined) {
      if (!byTarget.has(path)) byTarget.set(path, { real: `symlink:${library.symlinkTo}`, entry: { type: 'symlink', path, target: library.symlinkTo } });
      continue;
    }
    let real: string;
    try {
      real = await realpath(library.sourcePath);
    } catch (cause) {
      throw new RootfsPlanError(`library ${library.sourcePath} (for ${path}) does not exist`, { cause });
    }
    const seen = byTarget.get(path);
    if (seen) {
      if (seen.real !== real) throw new RootfsPlanError(`${path} is resolved to two different files: ${seen.real} and ${real}`);
      continue;
    }
    const info = await lstat(real);
    byTarget.set(path, { real, entry: { type: 'file', path, mode: normalisedFileMode(info.mode), content: { sourcePath: real } } });
  }
  return [...byTarget.values()].map(({ entry }) => entry);
}

function symlinkTargetPath(linkPath: string, target: string): string {
  return canonicalUsrPath(posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(linkPath), target)));
}

/**
 * Merges the three sources by priority, completes the tree (parents, order) and checks
 * that symlinks copied from packages point at something in the image.
 */
export async function mergeRootfs(
  explicit: ExplicitEntries,
  libraries: readonly LibraryFile[],
  applets: readonly LayerEntry[],
): Promise<LayerEntry[]> {
  // Conflicts inside priority 1 (also two spellings of one path) are reported by
  // completeLayerTree.
  const named = [...explicit.entries.map(atUsrPath), ...mergedUsrLinks()];
  const explicitTree = completeLayerTree(named);
  const taken = new Set(explicitTree.map((e) => e.path));
  const merged = [...named];
  for (const entry of await libraryEntries(libraries)) {
    if (!taken.has(entry.path)) {
      merged.push(entry);
      taken.add(entry.path);
    }
  }
  for (const entry of applets.map(atUsrPath)) {
    if (!taken.has(entry.path)) merged.push(entry);
  }
  const tree = completeLayerTree(merged);
  const paths = new Set(tree.map((e) => e.path));
  const dangling = explicit.stagingSymlinks
    .map((p) => canonicalUsrPath(normaliseImagePath(p)))
    .filter((p) => {
      const link = tree.find((e) => e.path === p);
      return link?.type === 'symlink' && !paths.has(symlinkTargetPath(p, link.target));
    });
  if (dangling.length > 0) {
    throw new RootfsPlanError(`symlinks from the staging root point outside the image: ${dangling.join(', ')} (add their targets to "files")`);
  }
  return tree;
}
