// <BUNDLED_IMAGES_DIR>/index.json: which archive holds which image, so the init can tell
// whether an image is already there (a DOCKER disk) without opening the archives. The
// builder writes it (builder/initrd/build-initrd.ts); loadBundledImages reads it.
import * as z from 'zod/mini';
import { OdError } from './errors.ts';

export const bundledImageSchema = z.object({
  name: z.string(),
  /** The `docker save` archive, relative to the index. */
  file: z.string(),
  repoTags: z.array(z.string()),
  /** sha256:…, what `GET /images/<tag>/json` answers as Id once it is loaded. */
  imageId: z.string(),
});

export const imageIndexSchema = z.array(bundledImageSchema);

export type BundledImage = z.infer<typeof bundledImageSchema>;

export class ImageIndexError extends OdError {}

export function formatImageIndex(images: readonly BundledImage[]): string {
  return `${JSON.stringify(images, null, 2)}\n`;
}

export function parseImageIndex(text: string): BundledImage[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ImageIndexError(`index.json is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(raw)) throw new ImageIndexError('index.json is not a list');
  const result = imageIndexSchema.safeParse(raw);
  if (!result.success) {
    const entry = result.error.issues[0]?.path[0] ?? '?';
    throw new ImageIndexError(`index.json entry ${String(entry)} lacks name, file, imageId or repoTags`, { cause: result.error });
  }
  return result.data;
}
