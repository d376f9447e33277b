import { closeSync, existsSync, readFileSync, statSync } from 'node:fs';
import type { Step } from '../context.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { SYSTEM_IMAGE_FSTYPE } from '../../contract/initrd-layout.ts';
import { isMountPoint } from '../sys/creator.ts';
import { MS_NODEV, MS_NOSUID, MS_RDONLY } from '../sys/mount-flags.ts';

/**
 * The system image could not be mounted: Docker's binaries are not there, so the boot
 * cannot go on. The message says what is missing; the cause is the failed call.
 */
export class SystemImageError extends OdError {}

/** A kernel without the filesystem lists it nowhere in /proc/filesystems. */
function kernelHasFilesystem(procFilesystems: string, fstype: string): boolean | undefined {
  try {
    return readFileSync(procFilesystems, 'utf8')
      .split('\n')
      .some((line) => line.split('\t').at(-1) === fstype);
  } catch {
    return undefined;
  }
}

/**
 * Whether this initrd was built with a system image (config initrd.layout). The builder
 * puts the mount point into the first segment together with the links into it, and only
 * in that layout; the unpacked layout has neither the mount point nor the image. So:
 * - the image file is there: mount it (any failure is a SystemImageError);
 * - no image and no mount point: the unpacked layout, Docker is in the root already: skip;
 * - no image but the mount point: the links point into an empty directory (the second
 *   segment was lost on the way): a SystemImageError, never a boot that finds no dockerd
 *   steps later. The mount point, not a link, decides: it is one directory that every
 *   such initrd has, whatever paths the image holds.
 */
function systemImageExpected(paths: { systemImage: string; systemImageMount: string }): boolean {
  return existsSync(paths.systemImage) || existsSync(paths.systemImageMount);
}

/**
 * Mounts the system image (Docker's binaries, libraries, tools, bundled images) read-only
 * from the file the initrd's second segment left in the root, through a loop device. The
 * first segment's links (/usr/sbin/dockerd...) point into the mount point, so from here
 * on every path of contract/initrd-layout.ts resolves. Required: without it there is no
 * Docker, and the failure ends in the emergency shell with the reason. Skipped when the
 * initrd has no image (systemImageExpected).
 */
export const mountSystemImage: Step = {
  name: 'mountSystemImage',
  required: true,
  run(ctx) {
    const { systemImage, systemImageMount, procFilesystems, devDir } = ctx.paths;
    if (!systemImageExpected(ctx.paths)) return { skipped: `no system image in this initrd (the unpacked layout: no ${systemImage}, no ${systemImageMount})` };
    if (isMountPoint(systemImageMount)) return { skipped: `${systemImageMount} is mounted already` };
    let bytes: number;
    try {
      bytes = statSync(systemImage).size;
    } catch (cause) {
      throw new SystemImageError(
        `the system image ${systemImage} is missing, though this initrd has its mount point ${systemImageMount} and the links into it: ` +
          `the initrd's second segment did not arrive (a boot loader or an initrd that holds only the first one?)`,
        { cause },
      );
    }
    if (kernelHasFilesystem(procFilesystems, SYSTEM_IMAGE_FSTYPE) === false) {
      throw new SystemImageError(`the kernel cannot read the system image: no ${SYSTEM_IMAGE_FSTYPE} in ${procFilesystems} (its module not loaded? see loadModules)`);
    }
    if (!existsSync(`${devDir}/loop-control`)) {
      throw new SystemImageError(`cannot attach the system image: no ${devDir}/loop-control (the loop module not loaded? see loadModules)`);
    }
    let loop;
    try {
      loop = ctx.sys.attachLoop(systemImage, devDir);
    } catch (cause) {
      throw new SystemImageError(`cannot attach the system image ${systemImage} to a loop device: ${describeError(cause)}`, { cause });
    }
    try {
      ctx.sys.mount(loop.path, systemImageMount, SYSTEM_IMAGE_FSTYPE, MS_RDONLY | MS_NODEV | MS_NOSUID, '');
    } catch (cause) {
      throw new SystemImageError(`cannot mount the system image ${systemImage} (${SYSTEM_IMAGE_FSTYPE}) from ${loop.path} on ${systemImageMount}: ${describeError(cause)}`, { cause });
    } finally {
      // The mount holds the loop device now; without one, the close lets the kernel clear it.
      closeSync(loop.fd);
    }
    ctx.console.info(`system image ${systemImage} (${SYSTEM_IMAGE_FSTYPE}, ${(bytes / 1e6).toFixed(1)} MB) mounted read-only on ${systemImageMount} from ${loop.path}`);
  },
};
