import { closeSync, fstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../../contract/errors.ts';
import { isAtOrBelow, readMountInfo, type MountInfo } from '../../storage/mountinfo.ts';
import { MNT_DETACH, MS_RDONLY, MS_REMOUNT } from '../../sys/mount-flags.ts';
import { hasErrorCode } from '../../sys/syscall-error.ts';
import type { ShutdownContext } from '../shutdown-context.ts';
import type { ShutdownStep } from '../shutdown-plan-types.ts';

export type UnmountOutcome =
  | { target: string; how: 'unmounted' }
  | { target: string; how: 'read-only, detached'; busy: string }
  | { target: string; how: 'detached'; busy: string; readOnly: string }
  | { target: string; how: 'failed'; error: string };

/**
 * The mounts to take down, innermost first: everything at or below the data root
 * (Docker's overlay and volume mounts, if any are left) and every mount of the disk's
 * filesystem elsewhere (the /root and /var/log binds). mountinfo lists mounts in the
 * order they were made, so its reverse unmounts children before their parents.
 */
export function mountsToUnmount(mounts: readonly MountInfo[], devno: string, mountPoint: string): MountInfo[] {
  return mounts.filter((m) => m.devno === devno || isAtOrBelow(m.mountPoint, mountPoint)).reverse();
}

/**
 * Points the init's own descriptors on the disk at /dev/null (dup2): log files held
 * open by the init would keep the filesystem busy, and a closed descriptor number could
 * be reused by a later open and written to by its old owner. Returns how many.
 */
export function releaseOwnFiles(ctx: ShutdownContext, mountPoint: string): number {
  let dev: number;
  try {
    dev = statSync(mountPoint).dev;
  } catch {
    return 0;
  }
  let names: string[];
  try {
    names = readdirSync(ctx.paths.selfFd);
  } catch {
    return 0;
  }
  const nullFd = openSync(ctx.paths.devNull, 'r+');
  let released = 0;
  try {
    for (const name of names) {
      const fd = Number(name);
      if (!Number.isInteger(fd) || fd === nullFd) continue;
      try {
        if (fstatSync(fd).dev !== dev) continue;
        ctx.sys.dup2(nullFd, fd);
        released++;
      } catch {
        // the directory listing's own descriptor, or one closed meanwhile
      }
    }
  } finally {
    closeSync(nullFd);
  }
  return released;
}

/** umount; if busy, remount read-only (the filesystem is then clean) and detach. */
export function unmountOne(ctx: ShutdownContext, target: string): UnmountOutcome {
  try {
    ctx.sys.umount2(target, 0);
    return { target, how: 'unmounted' };
  } catch (error) {
    if (!hasErrorCode(error, 'EBUSY')) return { target, how: 'failed', error: describeError(error) };
    const busy = describeError(error);
    let readOnly: string | undefined;
    try {
      ctx.sys.mount(null, target, null, MS_REMOUNT | MS_RDONLY, null);
    } catch (remountError) {
      readOnly = describeError(remountError);
    }
    try {
      ctx.sys.umount2(target, MNT_DETACH);
    } catch (detachError) {
      return { target, how: 'failed', error: `${busy}; ${describeError(detachError)}` };
    }
    return readOnly === undefined ? { target, how: 'read-only, detached', busy } : { target, how: 'detached', busy, readOnly };
  }
}

/**
 * Takes the DOCKER disk down: its bind mounts and the disk itself, in reverse order.
 * Everything between releasing the init's files and the last umount2 is synchronous
 * and prints nothing, so no log line can reopen a file on the disk in between.
 */
export const unmountDisk: ShutdownStep = {
  name: 'unmountDisk',
  required: false,
  run(ctx) {
    const storage = ctx.system.storage;
    if (!storage || storage.mode !== 'disk') return { skipped: 'Docker ran from RAM: no disk to unmount' };
    const targets = mountsToUnmount(readMountInfo(ctx.paths.mountinfo), storage.devno, storage.mountPoint);
    if (targets.length === 0) return { skipped: `${storage.device} is not mounted` };

    const released = releaseOwnFiles(ctx, storage.mountPoint);
    const outcomes = targets.map((mount) => unmountOne(ctx, mount.mountPoint));

    if (released) ctx.console.debug(`${released} of the init's own files on ${storage.device} pointed at /dev/null`);
    for (const outcome of outcomes) {
      if (outcome.how === 'unmounted') ctx.console.debug(`unmounted ${outcome.target}`);
      else if (outcome.how === 'read-only, detached') ctx.console.warn(`${outcome.target} was busy (${outcome.busy}): remounted read-only and detached`);
      else if (outcome.how === 'detached') ctx.console.warn(`${outcome.target} was busy (${outcome.busy}) and could not be made read-only (${outcome.readOnly}): detached; its journal is replayed at the next boot`);
      else ctx.console.warn(`${outcome.target} could not be unmounted: ${outcome.error}`);
    }
    const clean = outcomes.every((o) => o.how === 'unmounted');
    const still = readMountInfo(ctx.paths.mountinfo).filter((m) => m.devno === storage.devno);
    if (clean && still.length === 0) ctx.console.info(`${storage.device} unmounted cleanly (${outcomes.map((o) => o.target).join(', ')})`);
    else if (still.length) ctx.console.warn(`${storage.device} is still mounted on ${still.map((m) => m.mountPoint).join(', ')}`);
  },
};
