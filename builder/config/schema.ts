// The one build configuration, validated strictly: an unknown key is an error that names
// it. The TypeScript type comes from the schema, so the two cannot drift apart.
import { z } from 'zod';

const absolutePath = z.string().regex(/^\//, 'must be an absolute path inside the initrd, starting with /');

export const BuildConfigSchema = z
  .object({
    /** Where the artifacts go (vmlinuz, initrd.img, the ISO...). */
    outDir: z.string().min(1).default('dist'),
    /** Downloads and other reusable work, kept between builds (never in outDir). */
    cacheDir: z.string().min(1).default('.cache'),
    kernel: z
      .object({
        /** A Debian kernel package; a metapackage is followed to the real image package. */
        package: z.string().min(1).default('linux-image-amd64'),
        /** Modules loaded at boot; their dependencies and softdeps are added. */
        modules: z.array(z.string().min(1)).min(1),
        /** The default kernel command line of run.sh and the ISO. */
        cmdline: z.string().default('console=tty0 console=ttyS0,115200'),
      })
      .strict(),
    /** Debian packages fetched with apt-get download and extracted into the staging root. */
    packages: z.array(z.string().min(1)).min(1),
    /** Paths from the extracted packages to ship; a trailing "/" ships a whole directory.
     * The shared libraries of every executable among them are added. */
    files: z.array(absolutePath).min(1),
    /** Extra symlinks (path -> target), e.g. the iptables alternatives Debian's
     * maintainer scripts would create. */
    links: z.record(absolutePath, z.string().min(1)).default({}),
    /** Bundled images, by directory name under images/. */
    images: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).default([]),
    compression: z
      .object({
        method: z.enum(['zstd', 'gzip']).default('zstd'),
        level: z.number().int().min(1).max(19).default(19),
      })
      .strict()
      .default({ method: 'zstd', level: 19 }),
    /** Fixed modification time of every archive entry (reproducible builds). */
    sourceDateEpoch: z.number().int().min(1).default(1),
  })
  .strict();

export type BuildConfig = z.infer<typeof BuildConfigSchema>;
export type BuildConfigInput = z.input<typeof BuildConfigSchema>;
