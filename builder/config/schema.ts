// The one build configuration, validated strictly: an unknown key is an error that names
// it. The TypeScript type comes from the schema, so the two cannot drift apart.
import { z } from 'zod';
import { DEBIAN_SUITES } from '../sources/debian-suite.ts';

/**
 * Packages left out of the dependency closure. No maintainer script runs for the initrd:
 * its files come from `files` and the shared-library closure alone, so what only serves
 * dpkg's scripts is dead weight. A dependency group that names one of them counts as
 * satisfied.
 * - adduser, debconf, dpkg, init-system-helpers, lsb-base, perl-base, sysvinit-utils:
 *   users, prompts and init-script registration in maintainer scripts.
 * - initramfs-tools, linux-initramfs-tool: the kernel's postinst builds a Debian
 *   initramfs; the builder makes its own initrd (initramfs-tools alone pulls in systemd,
 *   udev and coreutils).
 * - kmod, linux-base: the kernel's postinst runs depmod and linux-base's perl helpers; the
 *   builder runs depmod on the build host and the init loads modules itself.
 * - openssl: ca-certificates' postinst rehashes certificates with it; the builder
 *   concatenates the bundle itself (builder/initrd/ca-bundle.ts).
 */
export const DEFAULT_DEBIAN_EXCLUDE = [
  'adduser',
  'debconf',
  'dpkg',
  'init-system-helpers',
  'initramfs-tools',
  'kmod',
  'linux-base',
  'linux-initramfs-tool',
  'lsb-base',
  'openssl',
  'perl-base',
  'sysvinit-utils',
];

/** The initrd's layouts (the `initrd.layout` key). */
export const INITRD_LAYOUTS = ['unpacked', 'system-image'] as const;
export type InitrdLayout = (typeof INITRD_LAYOUTS)[number];

const mirrorUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL');

const absolutePath = z.string().regex(/^\//, 'must be an absolute path inside the initrd, starting with /');

export const BuildConfigSchema = z
  .object({
    /** Where the artifacts go (vmlinuz, initrd.img, the ISO...). */
    outDir: z.string().min(1).default('dist'),
    /** Downloads and other reusable work, kept between builds (never in outDir). */
    cacheDir: z.string().min(1).default('.cache'),
    kernel: z
      .object({
        /** A Debian kernel package; a metapackage brings the real image package as its dependency. */
        package: z.string().min(1).default('linux-image-amd64'),
        /** Modules loaded at boot; their dependencies and softdeps are added. */
        modules: z.array(z.string().min(1)).min(1),
        /** The default kernel command line of run.sh and the ISO. */
        cmdline: z.string().default('console=tty0 console=ttyS0,115200'),
      })
      .strict(),
    /** Where the Debian packages come from; see builder/sources/README.md. */
    debian: z
      .object({
        /** The Debian suite; a stable one also reads its -updates and -security pockets. */
        suite: z.enum(DEBIAN_SUITES).default('trixie'),
        /** The archive's base URL (.../debian); default: the build host's apt sources. */
        mirror: mirrorUrl.optional(),
        /** The security archive's base URL (.../debian-security); default: the host's apt sources. */
        securityMirror: mirrorUrl.optional(),
        /** Packages never taken into the dependency closure (DEFAULT_DEBIAN_EXCLUDE says why). */
        exclude: z.array(z.string().min(1)).default(DEFAULT_DEBIAN_EXCLUDE),
        /** The lock file, relative to the repository. */
        lockFile: z.string().min(1).default('only-docker.lock.json'),
      })
      .strict()
      .default({ suite: 'trixie', exclude: DEFAULT_DEBIAN_EXCLUDE, lockFile: 'only-docker.lock.json' }),
    /** Debian packages (with their dependency closure) locked in debian.lockFile and extracted into the staging root. */
    packages: z.array(z.string().min(1)).min(1),
    /** Paths from the extracted packages to ship; a trailing "/" ships a whole directory.
     * The shared libraries of every executable among them are added. */
    files: z.array(absolutePath).min(1),
    /** Extra symlinks (path -> target), e.g. the iptables alternatives Debian's
     * maintainer scripts would create. */
    links: z.record(absolutePath, z.string().min(1)).default({}),
    /** Bundled images, by directory name under images/. */
    images: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).default([]),
    /** Images written beside the outputs, not bundled: dist/only-docker-<name>-image.tar
     * (for docker load) and dist/only-docker-<name>.tar (its root filesystem, to embed). */
    releaseImages: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).default([]),
    /** How the initrd holds Docker (README "The system image"). */
    initrd: z
      .object({
        /**
         * "unpacked": one compressed archive with everything, unpacked by the kernel into
         * the root tmpfs (the fastest start of dockerd). "system-image": Docker's binaries,
         * libraries, tools and bundled images in a squashfs the init mounts, stored as a
         * second segment; far less RAM at boot (for 1 GiB machines), slower reads.
         */
        layout: z.enum(INITRD_LAYOUTS).default('unpacked'),
      })
      .strict()
      .default({ layout: 'unpacked' }),
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
