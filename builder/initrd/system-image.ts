// The system image: the records the init does not need before its first steps (Docker's
// binaries, their libraries, the tools, the bundled images) as one compressed read-only
// filesystem, which the init mounts instead of the kernel unpacking it all into RAM.
// squashfs with zstd: README "The system image" has the measurement that chose it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { InitrdRecord } from '../cpio/records.ts';
import { sha256File } from '../sources/file-hash.ts';
import { requireHostTool } from '../sources/host-tools.ts';
import { OdError } from '../../contract/errors.ts';
import type { InitrdLayout } from '../config/schema.ts';

export class SystemImageBuildError extends OdError {}

/** The program and its Debian package. */
export const SYSTEM_IMAGE_TOOL = { program: 'mksquashfs', debianPackage: 'squashfs-tools' } as const;

/**
 * The modules the init needs to mount the image (a loop device, the filesystem), loaded
 * first. Added by the build in the system-image layout only: the unpacked one has no
 * use for them, and its initrd stays what it was before there was an image.
 */
export const SYSTEM_IMAGE_MODULES = ['loop', 'squashfs'] as const;

/** The modules to load at boot: the configuration's, after SYSTEM_IMAGE_MODULES when the layout has an image. */
export function bootModules(modules: readonly string[], layout: InitrdLayout): string[] {
  if (layout !== 'system-image') return [...modules];
  return [...SYSTEM_IMAGE_MODULES, ...modules.filter((name) => !(SYSTEM_IMAGE_MODULES as readonly string[]).includes(name))];
}

/**
 * mksquashfs's settings, which decide the image's bytes with the records. zstd at the
 * build's compression level (19 by default; 3 for quick builds): Debian's kernel reads it
 * with its built-in decompressor. 1 MiB blocks: 7 % smaller than 128 KiB ones and read
 * back as fast (README). No xattrs, no NFS export table, every inode root's and of the
 * same time: the same inputs give the same image.
 */
export function mksquashfsArgs(level: number, mtime: number): string[] {
  const zstdLevel = Math.max(1, Math.min(level, 22));
  return ['-comp', 'zstd', '-Xcompression-level', String(zstdLevel), '-b', '1M', '-noappend', '-no-progress', '-quiet', '-all-root', '-no-xattrs', '-no-exports', '-mkfs-time', String(mtime), '-all-time', String(mtime)];
}

export interface SystemImageOptions {
  records: readonly InitrdRecord[];
  /** The image file to write. */
  outPath: string;
  /** Where the records are laid out as a directory for mkfs. */
  workDir: string;
  /** Every inode's time (the same inputs give the same bytes). */
  mtime: number;
  /** zstd level (the build's compression.level). */
  level: number;
}

export interface SystemImage {
  path: string;
  bytes: number;
  sha256: string;
  /** Sum of the file sizes inside. */
  contentBytes: number;
  /** The image was already there for the same records and settings. */
  reused: boolean;
}

/** What decides the image's bytes: each record with its content's digest, the tool's settings. */
async function recordsKey(records: readonly InitrdRecord[], args: string[]): Promise<{ key: string; contentBytes: number }> {
  const hash = createHash('sha256').update(JSON.stringify({ tool: SYSTEM_IMAGE_TOOL.program, args })).update('\n');
  let contentBytes = 0;
  for (const record of records) {
    let line: string;
    switch (record.kind) {
      case 'file': {
        const body = 'data' in record.source ? createHash('sha256').update(record.source.data).digest('hex') : await sha256File(record.source.fromPath);
        contentBytes += 'data' in record.source ? record.source.data.length : (await stat(record.source.fromPath)).size;
        line = `file ${record.path} ${record.mode.toString(8)} ${body}`;
        break;
      }
      case 'dir':
        line = `dir ${record.path} ${record.mode.toString(8)}`;
        break;
      case 'symlink':
        line = `symlink ${record.path} ${record.target}`;
        break;
      case 'charDev':
        throw new SystemImageBuildError(`/${record.path}: device nodes do not belong in the system image`);
    }
    hash.update(`${line}\n`);
  }
  return { key: hash.digest('hex'), contentBytes };
}

/** The records as a directory tree, with their modes (the owner is set to root by mksquashfs). */
async function layOut(records: readonly InitrdRecord[], root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  // Parents come before their contents (RecordTree's order); modes are set afterwards,
  // so a read-only directory does not stop its own contents from being written.
  const dirs: { path: string; mode: number }[] = [];
  for (const record of records) {
    const path = join(root, record.path);
    switch (record.kind) {
      case 'dir':
        await mkdir(path, { recursive: true });
        dirs.push({ path, mode: record.mode });
        break;
      case 'file':
        if ('data' in record.source) await writeFile(path, record.source.data);
        else await copyFile(record.source.fromPath, path);
        await chmod(path, record.mode);
        break;
      case 'symlink':
        await symlink(record.target, path);
        break;
      case 'charDev':
        throw new SystemImageBuildError(`/${record.path}: device nodes do not belong in the system image`);
    }
  }
  for (const dir of dirs.reverse()) await chmod(dir.path, dir.mode);
}

/** Builds the image, or keeps the one already there when the records and settings are the same. */
export async function buildSystemImage(options: SystemImageOptions): Promise<SystemImage> {
  const mkfs = requireHostTool(SYSTEM_IMAGE_TOOL.program, SYSTEM_IMAGE_TOOL.debianPackage);
  const args = mksquashfsArgs(options.level, options.mtime);
  const { key, contentBytes } = await recordsKey(options.records, args);
  const statePath = `${options.outPath}.state.json`;
  const previous = await readFile(statePath, 'utf8')
    .then((text) => JSON.parse(text) as { key: string; sha256: string })
    .catch(() => undefined);
  if (previous?.key === key && existsSync(options.outPath) && (await sha256File(options.outPath)) === previous.sha256) {
    return { path: options.outPath, bytes: (await stat(options.outPath)).size, sha256: previous.sha256, contentBytes, reused: true };
  }
  const tree = join(options.workDir, 'system-image-tree');
  try {
    await layOut(options.records, tree);
    await rm(options.outPath, { force: true });
    await execa(mkfs, [tree, options.outPath, ...args]);
  } catch (cause) {
    throw new SystemImageBuildError(`cannot build the system image ${options.outPath}`, { cause });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
  const sha256 = await sha256File(options.outPath);
  await writeFile(statePath, JSON.stringify({ key, sha256 }));
  return { path: options.outPath, bytes: (await stat(options.outPath)).size, sha256, contentBytes, reused: false };
}
