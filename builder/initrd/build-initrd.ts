// The build of the initrd as named tasks. Each task fills a part of the context; the
// assembly only collects records, and writing/compressing is the last, separate step.
import { copyFile, mkdir, stat, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ListrTask } from 'listr2';
import type { BuildConfig } from '../config/schema.ts';
import { fetchLockedPackages, type FetchedPackage } from '../sources/debian-packages.ts';
import { configMirrors, lockPath, lockRequest } from '../sources/debian-sources.ts';
import { requireCurrentLock } from '../sources/lock-file.ts';
import { extractPackages } from '../sources/extract-packages.ts';
import { requireHostTool } from '../sources/host-tools.ts';
import { findKernelTree, type KernelTree } from '../sources/kernel.ts';
import { resolveLibraryClosure } from '../sources/library-closure.ts';
import { buildInitBinary, koffiNativePath, smokeTestInitBinary } from '../init-binary/build-init-binary.ts';
import { RecordTree } from '../cpio/record-tree.ts';
import { dir, file, symlink, type InitrdRecord } from '../cpio/records.ts';
import { effectiveMethod } from '../cpio/compress.ts';
import type { InitrdSegment } from '../cpio/initrd-segments.ts';
import { writeInitrd } from './write-initrd.ts';
import { baseTree } from './base-tree.ts';
import { stagedFiles } from './staged-files.ts';
import { moduleRecords } from './kernel-modules.ts';
import { busyboxAppletRecords } from './busybox-applets.ts';
import { caBundleRecord } from './ca-bundle.ts';
import { bootModules, buildSystemImage, SYSTEM_IMAGE_TOOL, type SystemImage } from './system-image.ts';
import { splitRecords, systemImageLinks, systemTreeFor } from './system-image-split.ts';
import { engineVersions } from './engine-versions.ts';
import { projectVersion, REPO_ROOT } from '../project.ts';
import { buildBundledImages } from '../images/bundled-images.ts';
import {
  BUNDLED_IMAGES_DIR,
  BUSYBOX_PATH,
  IMAGE_INDEX_FILE,
  initrdRecordPath,
  KOFFI_PATH,
  SYSTEM_IMAGE_FSTYPE,
  SYSTEM_IMAGE_MOUNT,
} from '../../contract/initrd-layout.ts';
import { formatImageIndex } from '../../contract/image-index.ts';
import { buildReleaseImages } from '../images/release-images.ts';
export interface ComponentSize {
  files: number;
  bytes: number;
}

export interface BuildContext {
  outputs: string[];
  packages: FetchedPackage[];
  stagingDir: string;
  kernel: KernelTree;
  initBinary: string;
  /**
   * The compressed segment. With a system image: /init, modules, libraries the init
   * links, busybox, /etc, and the links into the image; unpacked: everything.
   */
  tree: RecordTree;
  /** What the system image holds (mounted by the init at SYSTEM_IMAGE_MOUNT); in the unpacked layout, `tree` itself. */
  systemTree: RecordTree;
  /** Only in the system-image layout. */
  systemImage?: SystemImage;
  components: Record<string, ComponentSize>;
  /** The compressed segment's archive, uncompressed, and its length (what the kernel unpacks into RAM). */
  cpioPath: string;
  cpioBytes: number;
  segments: InitrdSegment[];
  timings: Record<string, number>;
}

async function recordBytes(record: InitrdRecord): Promise<number> {
  if (record.kind !== 'file') return 0;
  return 'data' in record.source ? record.source.data.length : (await stat(record.source.fromPath)).size;
}

/** Adds records to a tree (the first segment's unless told), counting them under a component name for the size report. */
async function addComponent(ctx: BuildContext, component: string, records: InitrdRecord[], tree: RecordTree = ctx.tree): Promise<void> {
  const size = (ctx.components[component] ??= { files: 0, bytes: 0 });
  for (const record of records) {
    if (tree.has(record.path)) {
      tree.add(record); // identical: harmless; different: DuplicateEntryError
      continue;
    }
    tree.add(record);
    if (record.kind === 'file') {
      size.files += 1;
      size.bytes += await recordBytes(record);
    }
  }
}

/** A directory under the cache named after the exact package set, extracted once. */
function stagingDirFor(cacheDir: string, packages: FetchedPackage[]): string {
  const key = createHash('sha256')
    .update(packages.map((p) => `${p.name} ${p.sha256}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return join(cacheDir, 'staging', key);
}

export function buildInitrd(config: BuildConfig): ListrTask<BuildContext>[] {
  const outDir = resolve(REPO_ROOT, config.outDir);
  const cacheDir = resolve(REPO_ROOT, config.cacheDir);
  const version = projectVersion();
  const withSystemImage = config.initrd.layout === 'system-image';
  const timed =
    (name: string, run: (ctx: BuildContext, task: Parameters<ListrTask<BuildContext>['task']>[1]) => Promise<void>): ListrTask<BuildContext>['task'] =>
    async (ctx, task) => {
      const started = Date.now();
      await run(ctx, task);
      (ctx.timings ??= {})[name] = Date.now() - started;
    };

  return [
    {
      title: 'Check the build host',
      task: timed('host', async (ctx) => {
        ctx.outputs = [];
        ctx.components = {};
        ctx.tree = new RecordTree();
        // First, so later entries under lib/, bin/... follow the merged-/usr links.
        await addComponent(ctx, 'base', baseTree({ version, hostname: 'only-docker' }));
        // Unpacked, what would go into the image goes into the one archive: the same tree.
        ctx.systemTree = withSystemImage ? systemTreeFor(ctx.tree) : ctx.tree;
        const tools: (readonly [string, string])[] = [['dpkg-deb', 'dpkg'], ['depmod', 'kmod'], ['strip', 'binutils']];
        if (withSystemImage) tools.push([SYSTEM_IMAGE_TOOL.program, SYSTEM_IMAGE_TOOL.debianPackage]);
        for (const [tool, pkg] of tools) requireHostTool(tool, pkg);
      }),
    },
    {
      title: 'Fetch Debian packages',
      task: timed('fetch', async (ctx, task) => {
        // Exactly the lock: a missing or stale one stops the build (make lock), never a silent re-resolve.
        const lock = await requireCurrentLock(lockPath(config), lockRequest(config));
        ctx.packages = await fetchLockedPackages(lock, await configMirrors(config), {
          cacheDir,
          onProgress: (message) => (task.output = message),
        });
        const cached = ctx.packages.filter((p) => p.cached).length;
        task.title = `Fetch Debian packages: ${ctx.packages.length} (${cached} from the cache)`;
      }),
    },
    {
      title: 'Extract packages into the staging root',
      task: timed('extract', async (ctx, task) => {
        ctx.stagingDir = stagingDirFor(cacheDir, ctx.packages);
        const marker = join(ctx.stagingDir, '.extracted');
        if (existsSync(marker)) {
          task.title = 'Extract packages into the staging root: unchanged, reused';
          return;
        }
        await rm(ctx.stagingDir, { recursive: true, force: true });
        await mkdir(ctx.stagingDir, { recursive: true });
        await extractPackages(ctx.packages, ctx.stagingDir);
        await writeFile(marker, ctx.packages.map((p) => `${p.name} ${p.version}\n`).join(''));
      }),
    },
    {
      title: 'Kernel and modules',
      task: timed('kernel', async (ctx, task) => {
        ctx.kernel = await findKernelTree(ctx.stagingDir);
        const { closure, records } = await moduleRecords(ctx.kernel, bootModules(config.kernel.modules, config.initrd.layout));
        await addComponent(ctx, 'kernel modules', records);
        task.title = `Kernel ${ctx.kernel.version}: ${closure.modules.length} modules (${closure.builtin.length} built in)`;
      }),
    },
    {
      title: 'Compile the init',
      task: timed('init', async (ctx, task) => {
        const workDir = join(cacheDir, 'init');
        const result = await buildInitBinary({ outFile: join(workDir, 'init'), workDir });
        // The only check of the libc bindings before a VM boots (init/self-test.ts).
        await smokeTestInitBinary(result.path);
        ctx.initBinary = result.path;
        await addComponent(ctx, 'init', [file('init', { fromPath: result.path }, 0o755), file(initrdRecordPath(KOFFI_PATH), { fromPath: koffiNativePath() }, 0o644)]);
        task.title = `Compile the init: ${(result.bytes / 1e6).toFixed(1)} MB`;
      }),
    },
    {
      title: 'Bundled images',
      enabled: () => config.images.length > 0,
      task: timed('images', async (ctx, task) => {
        const built = await buildBundledImages({
          outDir: join(cacheDir, 'images'),
          names: config.images,
          stagingRoot: ctx.stagingDir,
          resolveLibraries: (paths) => resolveLibraryClosure(paths, ctx.stagingDir),
          version,
          sourceDateEpoch: config.sourceDateEpoch,
        });
        // The index tells the init which archive holds which tags, without opening them.
        const imagesDir = initrdRecordPath(BUNDLED_IMAGES_DIR);
        const index = built.map((image) => ({ name: image.name, file: `${image.name}.tar`, repoTags: image.repoTags, imageId: image.imageId }));
        await addComponent(
          ctx,
          'bundled images',
          [...built.map((image) => file(`${imagesDir}/${image.name}.tar`, { fromPath: image.path })), file(`${imagesDir}/${IMAGE_INDEX_FILE}`, { data: Buffer.from(formatImageIndex(index)) })],
          ctx.systemTree,
        );
        task.title = `Bundled images: ${built.map((image) => `${image.repoTags[0]} (${(image.bytes / 1e6).toFixed(1)} MB)`).join(', ')}`;
      }),
    },
    {
      title: 'Release images',
      enabled: () => config.releaseImages.length > 0,
      task: timed('releaseImages', async (ctx, task) => {
        const caBundle = await caBundleRecord(ctx.stagingDir);
        const built = await buildReleaseImages({
          outDir,
          names: config.releaseImages,
          stagingRoot: ctx.stagingDir,
          resolveLibraries: (paths) => resolveLibraryClosure(paths, ctx.stagingDir),
          version,
          sourceDateEpoch: config.sourceDateEpoch,
          artifacts: {
            init: { sourcePath: ctx.initBinary },
            koffi: { sourcePath: koffiNativePath() },
            'ca-bundle': { bytes: 'data' in caBundle.source ? caBundle.source.data : Buffer.alloc(0) },
          },
        });
        for (const image of built) ctx.outputs.push(image.path, image.rootfsPath);
        task.title = `Release images: ${built.map((image) => `${image.repoTags[0]} (${(image.layerBytes / 1e6).toFixed(0)} MB)`).join(', ')}`;
      }),
    },
    {
      title: 'Assemble the initrd',
      task: timed('assemble', async (ctx) => {
        const staged = await stagedFiles(ctx.stagingDir, config.files);
        const links = Object.entries(config.links).map(([path, target]) => symlink(path, target));
        const packaged = splitRecords([...staged.records, ...links]);
        await addComponent(ctx, 'docker and tools', packaged.first);
        await addComponent(ctx, 'docker and tools', packaged.system, ctx.systemTree);
        // The init's own libraries run before the image is mounted; the others go into it.
        const libraryRecord = (lib: Awaited<ReturnType<typeof resolveLibraryClosure>>[number]) =>
          lib.symlinkTo ? symlink(lib.targetPath, lib.symlinkTo) : file(lib.targetPath, { fromPath: lib.sourcePath }, 0o755);
        const initLibraries = await resolveLibraryClosure([ctx.initBinary], ctx.stagingDir);
        const early = new Set(initLibraries.map((lib) => lib.targetPath));
        const libraries = await resolveLibraryClosure([...staged.elfCandidates, ctx.initBinary], ctx.stagingDir);
        await addComponent(ctx, 'libraries', initLibraries.map(libraryRecord));
        await addComponent(ctx, 'libraries', libraries.filter((lib) => !early.has(lib.targetPath)).map(libraryRecord), ctx.systemTree);
        const applets = await busyboxAppletRecords(join(ctx.stagingDir, BUSYBOX_PATH));
        await addComponent(ctx, 'base', applets.filter((r) => !ctx.tree.has(r.path) && !ctx.systemTree.has(r.path)));
        await addComponent(ctx, 'base', [await caBundleRecord(ctx.stagingDir)]);
        // Last, once both trees are whole: the mount point and the links into it.
        if (withSystemImage) await addComponent(ctx, 'base', [dir(SYSTEM_IMAGE_MOUNT), ...systemImageLinks(ctx.tree, ctx.systemTree, SYSTEM_IMAGE_MOUNT)]);
      }),
    },
    {
      title: 'Build the system image',
      enabled: () => withSystemImage,
      task: timed('systemImage', async (ctx, task) => {
        const workDir = join(cacheDir, 'work');
        await mkdir(workDir, { recursive: true });
        ctx.systemImage = await buildSystemImage({
          records: ctx.systemTree.records(),
          outPath: join(workDir, 'system.img'),
          workDir,
          mtime: config.sourceDateEpoch,
          level: config.compression.level,
        });
        const { bytes, contentBytes, reused } = ctx.systemImage;
        task.title = `Build the system image: ${(bytes / 1e6).toFixed(1)} MB ${SYSTEM_IMAGE_FSTYPE} (${(contentBytes / 1e6).toFixed(1)} MB of files, ${ctx.systemTree.size} entries)${reused ? ', unchanged' : ''}`;
      }),
    },
    {
      title: 'Write the initrd',
      task: timed('write', async (ctx, task) => {
        await mkdir(outDir, { recursive: true });
        const workDir = join(cacheDir, 'work');
        await mkdir(workDir, { recursive: true });
        const written = await writeInitrd({
          records: ctx.tree.records(),
          systemImage: ctx.systemImage,
          outPath: join(outDir, 'initrd.img'),
          workDir,
          name: 'initrd',
          compression: config.compression,
          mtime: config.sourceDateEpoch,
          onProgress: (message) => (task.output = message),
        });
        ctx.cpioPath = join(workDir, 'initrd.cpio');
        ctx.cpioBytes = written.cpioBytes;
        ctx.segments = written.segments;
        const method = effectiveMethod(config.compression.method);
        await copyFile(ctx.kernel.vmlinuzPath, join(outDir, 'vmlinuz'));
        await writeFile(
          join(outDir, 'build-report.json'),
          `${JSON.stringify(
            {
              version,
              kernel: ctx.kernel.version,
              engine: engineVersions(ctx.packages, ctx.kernel.version),
              packages: ctx.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256 })),
              initrd: {
                layout: config.initrd.layout,
                compression: method,
                compressedBytes: written.bytes,
                // The compressed segment, which the kernel unpacks; an image is stored as it is.
                uncompressedBytes: ctx.cpioBytes,
                sha256: written.sha256,
                entries: ctx.tree.size,
                segments: written.segments,
                ...(ctx.systemImage && {
                  systemImage: { fstype: SYSTEM_IMAGE_FSTYPE, bytes: ctx.systemImage.bytes, contentBytes: ctx.systemImage.contentBytes, entries: ctx.systemTree.size },
                }),
              },
              components: ctx.components,
              timingsMs: ctx.timings,
            },
            null,
            2,
          )}\n`,
        );
        ctx.outputs.push(join(config.outDir, 'vmlinuz'), join(config.outDir, 'initrd.img'));
        const [first, image] = written.segments;
        task.title =
          `Write the initrd (${config.initrd.layout}): ${(written.bytes / 1e6).toFixed(1)} MB${written.reused ? ', unchanged' : ''} ` +
          `(${method} segment ${(first!.length / 1e6).toFixed(1)} MB, ${(ctx.cpioBytes / 1e6).toFixed(1)} MB unpacked, ${ctx.tree.size} entries` +
          `${image ? `; system image segment ${(image.length / 1e6).toFixed(1)} MB` : ''})`;
      }),
    },
  ];
}
