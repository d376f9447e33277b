import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootContext, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { inspectImage, loadImageArchive } from '../docker/images.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { IMAGE_INDEX_FILE } from '../../contract/initrd-layout.ts';
import { parseImageIndex, type BundledImage } from '../../contract/image-index.ts';

export class BundledImagesError extends OdError {}

export type LoadOutcome = { image: BundledImage; loaded: boolean; ms: number; error?: unknown };

/** True when every tag of the image already names exactly this image id (a persistent disk). */
export async function alreadyPresent(client: DockerClient, image: BundledImage): Promise<boolean> {
  for (const tag of image.repoTags) {
    const found = await inspectImage(client, tag, { timeoutMs: 10_000 });
    if (found?.Id !== image.imageId) return false;
  }
  return image.repoTags.length > 0;
}

async function loadOne(ctx: BootContext, client: DockerClient, image: BundledImage): Promise<LoadOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    if (await alreadyPresent(client, image)) return { image, loaded: false, ms: ms() };
    await loadImageArchive(client, join(ctx.paths.bundledImagesDir, image.file), { timeoutMs: 300_000 });
    const tag = image.repoTags[0];
    const loaded = tag ? await inspectImage(client, tag, { timeoutMs: 10_000 }) : undefined;
    if (tag && loaded?.Id !== image.imageId) {
      throw new BundledImagesError(`${tag} is ${loaded?.Id ?? 'missing'} after the load, not ${image.imageId}`);
    }
    return { image, loaded: true, ms: ms() };
  } catch (error) {
    return { image, loaded: false, ms: ms(), error };
  }
}

/**
 * The images the initrd carries (DHCP client, default console) into the daemon, all at
 * once: the daemon unpacks the layers on both CPUs. An image whose tags already name
 * the same id (a persistent /var/lib/docker from an earlier boot of this release) is
 * not loaded again: reading and checksumming tens of MB under emulation costs seconds.
 */
export const loadBundledImages: Step = {
  name: 'loadBundledImages',
  required: false,
  async run(ctx) {
    let index: BundledImage[];
    try {
      index = parseImageIndex(await readFile(join(ctx.paths.bundledImagesDir, IMAGE_INDEX_FILE), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { skipped: `no ${join(ctx.paths.bundledImagesDir, IMAGE_INDEX_FILE)} in this initrd` };
      throw error;
    }
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const outcomes = await Promise.all(index.map((image) => loadOne(ctx, client, image)));
    for (const { image, loaded, ms, error } of outcomes) {
      const name = image.repoTags[0] ?? image.name;
      if (error) ctx.console.error(`cannot load ${name} from ${image.file}: ${describeError(error)}`);
      else if (loaded) ctx.console.info(`loaded ${name} (${image.imageId.slice(7, 19)}) in ${(ms / 1000).toFixed(1)} s`);
      else ctx.console.info(`${name} (${image.imageId.slice(7, 19)}) is already in the image store; not loaded again`);
    }
    const failed = outcomes.filter((o) => o.error);
    if (failed.length > 0) {
      throw new BundledImagesError(`${failed.length} of ${outcomes.length} bundled images not loaded: ${failed.map((o) => o.image.name).join(', ')}`, {
        cause: failed[0]!.error,
      });
    }
    if (outcomes.length > 0 && outcomes.every((o) => !o.loaded)) return { skipped: 'every bundled image is already present' };
  },
};
