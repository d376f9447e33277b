// The build of the initrd as named tasks. Each task fills a part of the context; the
// assembly only collects records, and writing/compressing is the last, separate step.
import { copyFile, mkdir, readFile, stat, writeFile, rm } from 'node:fs/promises';
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
import { file, symlink, type InitrdRecord } from '../cpio/records.ts';
import { writeNewcFile } from '../cpio/newc-writer.ts';
import { compressFile, effectiveMethod } from '../cpio/compress.ts';
import { sha256File } from '../sources/file-hash.ts';
import { baseTree } from './base-tree.ts';
import { stagedFiles } from './staged-files.ts';
import { moduleRecords } from './kernel-modules.ts';
import { busyboxAppletRecords } from './busybox-applets.ts';
import { caBundleRecord } from './ca-bundle.ts';
import { engineVersions } from './engine-versions.ts';
import { projectVersion, REPO_ROOT } from '../project.ts';
import { buildBundledImages } from '../images/bundled-images.ts';
import { BUNDLED_IMAGES_DIR, BUSYBOX_PATH, IMAGE_INDEX_FILE, initrdRecordPath, KOFFI_PATH } from '../../contract/initrd-layout.ts';
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
  tree: RecordTree;
  components: Record<string, ComponentSize>;
  cpioPath: string;
  cpioBytes: number;
  timings: Record<string, number>;
}

async function recordBytes(record: InitrdRecord): Promise<number> {
  if (record.kind !== 'file') return 0;
  return 'data' in record.source ? record.source.data.length : (await stat(record.source.fromPath)).size;
}

/** Adds records to the tree, counting them under a component name for the size report. */
async function addComponent(ctx: BuildContext, component: string, records: InitrdRecord[]): Promise<void> {
  const size = (ctx.components[component] ??= { files: 0, bytes: 0 });
  for (const record of records) {
    if (ctx.tree.has(record.path)) {
      ctx.tree.add(record); // identical: harmless; different: DuplicateEntryError
      continue;
    }
    ctx.tree.add(record);
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
        for (const [tool, pkg] of [['dpkg-deb', 'dpkg'], ['depmod', 'kmod'], ['strip', 'binutils']] as const) {
          requireHostTool(tool, pkg);
        }
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
        const { closure, records } = await moduleRecords(ctx.kernel, config.kernel.modules);
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
        await addComponent(ctx, 'bundled images', [
          ...built.map((image) => file(`${imagesDir}/${image.name}.tar`, { fromPath: image.path })),
          file(`${imagesDir}/${IMAGE_INDEX_FILE}`, { data: Buffer.from(formatImageIndex(index)) }),
        ]);
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
        await addComponent(ctx, 'docker and tools', staged.records);
        const links = Object.entries(config.links).map(([path, target]) => symlink(path, target));
        await addComponent(ctx, 'docker and tools', links);
        const libraries = await resolveLibraryClosure([...staged.elfCandidates, ctx.initBinary], ctx.stagingDir);
        await addComponent(
          ctx,
          'libraries',
          libraries.map((lib) => (lib.symlinkTo ? symlink(lib.targetPath, lib.symlinkTo) : file(lib.targetPath, { fromPath: lib.sourcePath }, 0o755))),
        );
        await addComponent(ctx, 'base', await busyboxAppletRecords(join(ctx.stagingDir, BUSYBOX_PATH)).then((records) => records.filter((r) => !ctx.tree.has(r.path))));
        await addComponent(ctx, 'base', [await caBundleRecord(ctx.stagingDir)]);
      }),
    },
    {
      title: 'Write the initrd',
      task: timed('write', async (ctx, task) => {
        await mkdir(outDir, { recursive: true });
        const workDir = join(cacheDir, 'work');
        await mkdir(workDir, { recursive: true });
        ctx.cpioPath = join(workDir, 'initrd.cpio');
        ctx.cpioBytes = await writeNewcFile(ctx.tree.records(), ctx.cpioPath, { mtime: config.sourceDateEpoch });
        const cpioSha = await sha256File(ctx.cpioPath);
        const method = effectiveMethod(config.compression.method);
        const initrd = join(outDir, 'initrd.img');
        const statePath = join(workDir, 'initrd.state.json');
        const wanted = { cpioSha, method, level: config.compression.level, window: method === 'zstd' ? 27 : undefined };
        // Compression is the slow part of a warm build: skip it when nothing changed.
        const previous = await readFile(statePath, 'utf8').then(JSON.parse).catch(() => undefined);
        if (previous && existsSync(initrd) && JSON.stringify(previous.input) === JSON.stringify(wanted) && (await sha256File(initrd)) === previous.initrdSha) {
          task.title = `Write the initrd: unchanged (${method}), kept`;
        } else {
          task.output = `compressing ${(ctx.cpioBytes / 1e6).toFixed(0)} MB with ${method} -${config.compression.level}`;
          await compressFile(ctx.cpioPath, initrd, config.compression);
          await writeFile(statePath, JSON.stringify({ input: wanted, initrdSha: await sha256File(initrd) }));
        }
        await copyFile(ctx.kernel.vmlinuzPath, join(outDir, 'vmlinuz'));
        const compressed = (await stat(initrd)).size;
        await writeFile(
          join(outDir, 'build-report.json'),
          `${JSON.stringify(
            {
              version,
              kernel: ctx.kernel.version,
              engine: engineVersions(ctx.packages, ctx.kernel.version),
              packages: ctx.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256 })),
              initrd: { compression: method, compressedBytes: compressed, uncompressedBytes: ctx.cpioBytes, sha256: await sha256File(initrd), entries: ctx.tree.size },
              components: ctx.components,
              timingsMs: ctx.timings,
            },
            null,
            2,
          )}\n`,
        );
        ctx.outputs.push(join(config.outDir, 'vmlinuz'), join(config.outDir, 'initrd.img'));
        task.title = `Write the initrd: ${(compressed / 1e6).toFixed(1)} MB ${method} (${(ctx.cpioBytes / 1e6).toFixed(1)} MB uncompressed, ${ctx.tree.size} entries)`;
      }),
    },
  ];
}
