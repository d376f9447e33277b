// Builds one bundled image into a `docker save` archive, after the build orchestrator
// has extracted the Debian packages into a staging root. One layer per image: these
// images are loaded once from the initrd, never pulled, so layer sharing buys nothing.
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { appletSymlinks } from './busybox-applets.ts';
import { listBusyboxApplets } from '../sources/busybox-applet-list.ts';
import { writeDockerSaveArchive } from './docker-save-archive.ts';
import { serialiseImageConfig } from './image-config.ts';
import { loadImageDefinition, repoTagsFor, type ImageDefinition } from './image-definition.ts';
import type { LayerEntry } from './layer-entry.ts';
import { writeLayerTar } from './layer-tar.ts';
import { collectExplicitEntries, mergeRootfs, type ArtifactSource, type ResolveLibraries } from './rootfs-plan.ts';
import { shadowedAppletsProfile } from './shadowed-applets.ts';
import { OdError } from '../../contract/errors.ts';

export type { LibraryFile, ResolveLibraries } from './rootfs-plan.ts';

export class BuildImageError extends OdError {}

export interface BuildImageOptions {
  /** Where the Debian packages were extracted; `files[].from` is relative to it. */
  stagingRoot: string;
  /** The busybox binary to ship; defaults to `<stagingRoot>/bin/busybox` (busybox-static). */
  busyboxPath?: string;
  /** Shared-library closure of the dynamically linked files (builder/sources/library-closure.ts). */
  resolveLibraries: ResolveLibraries;
  /** The archive to write (replaced atomically). */
  outFile: string;
  /** The release version: fills `{version}` in tags and the version label. */
  version: string;
  /** Seconds since the epoch for `created` and every mtime (SOURCE_DATE_EPOCH); default 0. */
  sourceDateEpoch?: number;
  /** Build artifacts the definition may name (`artifacts`), by name. */
  artifacts?: Readonly<Record<string, ArtifactSource>>;
  /** Also keep the layer, a plain root filesystem tar, at this path (to embed the image in another). */
  rootfsOutFile?: string;
  /** Applet install paths of the busybox binary; default: run `busybox --list-full`. */
  listApplets?: (busyboxPath: string) => Promise<string[]>;
}

export interface BuiltImage {
  path: string;
  bytes: number;
  repoTags: string[];
  /** `sha256:<hex>` of the image config. */
  imageId: string;
  /** `sha256:<hex>` of the layer tar. */
  diffId: string;
  /** Uncompressed size of the layer tar. */
  layerBytes: number;
  /** Number of entries in the layer. */
  entries: number;
}

const VERSION_LABEL = 'org.opencontainers.image.version';

/** Builds the image described by `definition` (a parsed definition, or its file/directory). */
export async function buildImage(definition: ImageDefinition | string, options: BuildImageOptions): Promise<BuiltImage> {
  const def = typeof definition === 'string' ? await loadImageDefinition(definition) : definition;
  const repoTags = repoTagsFor(def, options.version);
  const mtime = new Date((options.sourceDateEpoch ?? 0) * 1000);
  const busyboxPath = def.busybox ? (options.busyboxPath ?? join(options.stagingRoot, 'bin/busybox')) : undefined;

  let tree: LayerEntry[];
  try {
    const explicit = await collectExplicitEntries(def, options.stagingRoot, busyboxPath, options.artifacts);
    const libraries = explicit.dynamicBinaries.length > 0 ? await options.resolveLibraries([...explicit.dynamicBinaries]) : [];
    let applets: LayerEntry[] = [];
    if (def.busybox && busyboxPath) {
      const appletPaths = await (options.listApplets ?? listBusyboxApplets)(busyboxPath);
      applets = appletSymlinks(appletPaths, def.busybox);
      const profile = shadowedAppletsProfile(explicit.entries, appletPaths);
      if (profile) explicit.entries.push(profile);
    }
    tree = await mergeRootfs(explicit, libraries, applets);
  } catch (cause) {
    throw new BuildImageError(`${def.name}: cannot assemble the root filesystem: ${(cause as Error).message}`, { cause });
  }

  await mkdir(dirname(options.outFile), { recursive: true });
  // The layer is written next to the archive (same filesystem), then streamed into it.
  const workDir = await mkdtemp(join(dirname(options.outFile), '.image-build-'));
  const partial = `${options.outFile}.partial`;
  try {
    const layer = await writeLayerTar(tree, join(workDir, 'layer.tar'), mtime);
    const labels = { [VERSION_LABEL]: options.version, ...def.config.Labels };
    const config = serialiseImageConfig({
      config: { ...def.config, Labels: labels },
      diffIds: [layer.diffId],
      history: [`only-docker builder ${options.version}: ${def.name} root filesystem`],
      created: mtime,
    });
    const archive = await writeDockerSaveArchive({ outFile: partial, config, layers: [layer], repoTags, mtime });
    await rename(partial, options.outFile);
    if (options.rootfsOutFile) await rename(layer.path, options.rootfsOutFile);
    return {
      path: options.outFile,
      bytes: archive.bytes,
      repoTags,
      imageId: archive.imageId,
      diffId: layer.diffId,
      layerBytes: layer.size,
      entries: tree.length,
    };
  } catch (cause) {
    await rm(partial, { force: true });
    throw new BuildImageError(`${def.name}: cannot write ${options.outFile}: ${(cause as Error).message}`, { cause });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
