// Images the build writes beside the OS rather than into it (the Docker-in-Docker
// image): each as a `docker save` archive for `docker load`, and its single layer as a
// plain root filesystem tar to embed in another image (`ADD only-docker-dind.tar /`).
// They are not bundled in the initrd: their use is on other Docker hosts (CI runners),
// and inside only-docker they are one `docker load` away; bundling would add their
// whole size to every boot.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, type BuildImageOptions, type BuiltImage } from './build-image.ts';
import { imageDirectory } from './bundled-images.ts';

export interface ReleaseImage extends BuiltImage {
  name: string;
  /** The root filesystem tar (the image's layer). */
  rootfsPath: string;
}

/** dist/only-docker-<name>-image.tar and dist/only-docker-<name>.tar. */
export function releaseImagePaths(outDir: string, name: string): { image: string; rootfs: string } {
  return { image: join(outDir, `only-docker-${name}-image.tar`), rootfs: join(outDir, `only-docker-${name}.tar`) };
}

export interface BuildReleaseImagesOptions extends Omit<BuildImageOptions, 'outFile' | 'rootfsOutFile'> {
  outDir: string;
  names: readonly string[];
}

export async function buildReleaseImages(options: BuildReleaseImagesOptions): Promise<ReleaseImage[]> {
  const { outDir, names, ...common } = options;
  await mkdir(outDir, { recursive: true });
  const built: ReleaseImage[] = [];
  for (const name of names) {
    const paths = releaseImagePaths(outDir, name);
    const image = await buildImage(imageDirectory(name), { ...common, outFile: paths.image, rootfsOutFile: paths.rootfs });
    built.push({ ...image, name, rootfsPath: paths.rootfs });
  }
  return built;
}
