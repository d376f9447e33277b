// The kernel inside a staging root where Debian's linux-image-<kver> was extracted:
// boot/vmlinuz-<kver> (or, from sid on, usr/lib/modules/<kver>/vmlinuz) and
// lib/modules/<kver>. Debian's package ships the modules but not
// the indexes (modules.dep, .alias, .softdep): its postinst runs depmod at install
// time. An extracted package never ran postinst, so the indexes are made here.
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa, ExecaError } from 'execa';
import { requireHostTool } from './host-tools.ts';
import { buildModuleIndex, type ModuleIndex } from './module-index.ts';
import { OdError } from '../../contract/errors.ts';

export class KernelNotFoundError extends OdError {}

export class DepmodError extends OdError {}

export interface KernelTree {
  /** Kernel release, as `uname -r` will print it ("6.1.0-56-amd64"). */
  version: string;
  /** Absolute path of the kernel image in the staging root. */
  vmlinuzPath: string;
  /** Absolute path of lib/modules/<version> in the staging root. */
  modulesDir: string;
  /** The staging root itself, for depmod -b. */
  stagingRoot: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Where a kernel image may be, by the packaging of its Debian release. */
interface KernelImage {
  version: string;
  vmlinuzPath: string;
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/**
 * Kernel images in a staging root: boot/vmlinuz-<kver> (Debian 12 and 13), and
 * usr/lib/modules/<kver>/vmlinuz (sid's linux-binary-<kver>, which ships no /boot: the
 * image lies beside its modules, and a hook copies it at install time).
 */
async function kernelImages(stagingRoot: string): Promise<KernelImage[]> {
  const images = new Map<string, string>();
  for (const name of await listDir(join(stagingRoot, 'boot'))) {
    if (name.startsWith('vmlinuz-')) images.set(name.slice('vmlinuz-'.length), join(stagingRoot, 'boot', name));
  }
  for (const version of await listDir(join(stagingRoot, 'usr/lib/modules'))) {
    const path = join(stagingRoot, 'usr/lib/modules', version, 'vmlinuz');
    if (!images.has(version) && (await exists(path))) images.set(version, path);
  }
  return [...images].map(([version, vmlinuzPath]) => ({ version, vmlinuzPath })).sort((a, b) => a.version.localeCompare(b.version));
}

/**
 * Finds the kernel in a staging root. With one kernel there, `version` may be left out;
 * with several it must be given. A kernel image without its modules directory (or the
 * other way round) is an error: the build would boot a kernel that can load nothing.
 */
export async function findKernelTree(stagingRoot: string, version?: string): Promise<KernelTree> {
  if (!(await exists(stagingRoot))) throw new KernelNotFoundError(`no staging root ${stagingRoot}: were the packages extracted?`);
  const images = await kernelImages(stagingRoot);
  const versions = images.map((image) => image.version);
  const where = 'boot/vmlinuz-* or usr/lib/modules/*/vmlinuz';
  if (version !== undefined && !versions.includes(version)) {
    throw new KernelNotFoundError(`no kernel ${version} (${where}) in ${stagingRoot} (found: ${versions.join(', ') || 'none'})`);
  }
  if (version === undefined) {
    if (versions.length === 0) throw new KernelNotFoundError(`no kernel image (${where}) in ${stagingRoot}: was linux-image-amd64 extracted there?`);
    if (versions.length > 1) {
      throw new KernelNotFoundError(`several kernels in ${stagingRoot} (${versions.join(', ')}): say which one`);
    }
    version = versions[0]!;
  }
  const modulesDir = join(stagingRoot, `lib/modules/${version}`);
  try {
    if (!(await stat(modulesDir)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new KernelNotFoundError(`kernel ${version} has no lib/modules/${version} in ${stagingRoot}`, { cause: error });
  }
  return { version, vmlinuzPath: images.find((image) => image.version === version)!.vmlinuzPath, modulesDir, stagingRoot };
}

/**
 * Makes sure modules.dep and the other indexes exist, running `depmod -b` on the staging
 * root when they do not (kmod must be on the build host). Returns whether depmod ran.
 */
export async function ensureModuleIndexes(tree: KernelTree): Promise<boolean> {
  if (await exists(join(tree.modulesDir, 'modules.dep'))) return false;
  const depmod = requireHostTool('depmod', 'kmod');
  // depmod -b reads <base>/lib/modules/<version>: the staging root for a Debian 12
  // kernel, <root>/usr for a Debian 13 one (its package ships /usr/lib/modules only).
  const base = dirname(dirname(dirname(tree.modulesDir)));
  try {
    await execa(depmod, ['-b', base, tree.version], { env: { LC_ALL: 'C' } });
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() || error.shortMessage : String(error);
    throw new DepmodError(`depmod -b ${base} ${tree.version} failed: ${detail}`, { cause: error });
  }
  if (!(await exists(join(tree.modulesDir, 'modules.dep')))) {
    throw new DepmodError(`depmod ran but wrote no modules.dep in ${tree.modulesDir}`);
  }
  return true;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads the text indexes of a modules directory into a ModuleIndex (modules.dep is required). */
export async function readModuleIndex(modulesDir: string): Promise<ModuleIndex> {
  let dep: string;
  try {
    dep = await readFile(join(modulesDir, 'modules.dep'), 'utf8');
  } catch (error) {
    throw new KernelNotFoundError(`no modules.dep in ${modulesDir}: run ensureModuleIndexes first`, { cause: error });
  }
  const texts: Parameters<typeof buildModuleIndex>[0] = { dep };
  const softdep = await readOptional(join(modulesDir, 'modules.softdep'));
  const alias = await readOptional(join(modulesDir, 'modules.alias'));
  const builtin = await readOptional(join(modulesDir, 'modules.builtin'));
  if (softdep !== undefined) texts.softdep = softdep;
  if (alias !== undefined) texts.alias = alias;
  if (builtin !== undefined) texts.builtin = builtin;
  return buildModuleIndex(texts);
}
