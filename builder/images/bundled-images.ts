// The images the initrd ships, by name (a directory under images/), and one call to
// build them all into a directory as `<name>.tar`, for the build orchestrator.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../project.ts';
import { buildImage, type BuildImageOptions, type BuiltImage } from './build-image.ts';

/** Every bundled image: the DHCP client and the default console. */
export const BUNDLED_IMAGES = ['dhcp', 'console'] as const;
export type BundledImageName = (typeof BUNDLED_IMAGES)[number];

/** The directory holding an image's `image.json`. */
export function imageDirectory(name: string): string {
  return join(REPO_ROOT, 'images', name);
}

export interface BuildBundledImagesOptions extends Omit<BuildImageOptions, 'outFile'> {
  /** Where the archives go, as `<name>.tar`. */
  outDir: string;
  /** Which images; default all of BUNDLED_IMAGES. */
  names?: readonly string[];
}

/** Builds the named images one after the other (each streams tens of MB). */
export async function buildBundledImages(options: BuildBundledImagesOptions): Promise<(BuiltImage & { name: string })[]> {
  const { outDir, names = BUNDLED_IMAGES, ...common } = options;
  await mkdir(outDir, { recursive: true });
  const built: (BuiltImage & { name: string })[] = [];
  for (const name of names) {
    const image = await buildImage(imageDirectory(name), { ...common, outFile: join(outDir, `${name}.tar`) });
    built.push({ ...image, name });
  }
  return built;
}
