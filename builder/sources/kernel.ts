// The kernel inside a staging root where Debian's linux-image-<kver> was extracted:
// boot/vmlinuz-<kver> and lib/modules/<kver>. Debian's package ships the modules but not
// the indexes (modules.dep, .alias, .softdep): its postinst runs depmod at install
// time. An extracted package never ran postinst, so the indexes are made here.
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, ExecaError } from 'execa';
import { requireHostTool } from './host-tools.ts';
import { buildModuleIndex, type ModuleIndex } from './module-index.ts';

export class KernelNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelNotFoundError';
  }
}

export class DepmodError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DepmodError';
  }
}

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

/**
 * Finds the kernel in a staging root. With one kernel there, `version` may be left out;
 * with several it must be given. A kernel image without its modules directory (or the
 * other way round) is an error: the build would boot a kernel that can load nothing.
 */
export async function findKernelTree(stagingRoot: string, version?: string): Promise<KernelTree> {
  const bootDir = join(stagingRoot, 'boot');
  let versions: string[];
  try {
    versions = (await readdir(bootDir))
      .filter((name) => name.startsWith('vmlinuz-'))
      .map((name) => name.slice('vmlinuz-'.length))
      .sort();
  } catch (error) {
    throw new KernelNotFoundError(`no boot/ directory in ${stagingRoot}: was linux-image-*-amd64 extracted there?`, {
      cause: error,
    });
  }
  if (version !== undefined && !versions.includes(version)) {
    throw new KernelNotFoundError(`no boot/vmlinuz-${version} in ${stagingRoot} (found: ${versions.join(', ') || 'none'})`);
  }
  if (version === undefined) {
    if (versions.length === 0) throw new KernelNotFoundError(`no boot/vmlinuz-* in ${stagingRoot}`);
    if (versions.length > 1) {
      throw new KernelNotFoundError(`several kernels in ${stagingRoot} (${versions.join(', ')}): say which one`);
    }
    version = versions[0]!;
  }
  const modulesDir = join(stagingRoot, 'lib', 'modules', version);
  try {
    if (!(await stat(modulesDir)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new KernelNotFoundError(`kernel ${version} has no lib/modules/${version} in ${stagingRoot}`, { cause: error });
  }
  return { version, vmlinuzPath: join(bootDir, `vmlinuz-${version}`), modulesDir, stagingRoot };
}

/**
 * Makes sure modules.dep and the other indexes exist, running `depmod -b` on the staging
 * root when they do not (kmod must be on the build host). Returns whether depmod ran.
 */
export async function ensureModuleIndexes(tree: KernelTree): Promise<boolean> {
  if (await exists(join(tree.modulesDir, 'modules.dep'))) return false;
  const depmod = requireHostTool('depmod', 'kmod');
  try {
    await execa(depmod, ['-b', tree.stagingRoot, tree.version], { env: { LC_ALL: 'C' } });
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() || error.shortMessage : String(error);
    throw new DepmodError(`depmod -b ${tree.stagingRoot} ${tree.version} failed: ${detail}`, { cause: error });
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
