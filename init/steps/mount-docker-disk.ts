import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootContext, Step } from '../context.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { listBlockDevices, readAt } from '../storage/block-devices.ts';
import { dockerDataRoot, dockerLabel, persistentDirs, type PersistentDir } from '../storage/disk-layout.ts';
import { checkExtFilesystem, fsckVerdict, makeExtFilesystem, type ToolRun } from '../storage/e2fs-tools.ts';
import { findDockerDisk } from '../storage/find-docker-disk.ts';
import { readMountInfo } from '../storage/mountinfo.ts';
import { diskEvents } from '../../contract/events.ts';
import type { StorageState } from '../storage/storage-state.ts';
import { MS_BIND } from '../sys/mount-flags.ts';

export interface StoragePaths {
  sysClassBlock: string;
  devDir: string;
  mountinfo: string;
  /** Docker's data root, where the disk is mounted. */
  dataRoot: string;
  /** e2fsck and mount(8) look for mounted filesystems here; a link to /proc/self/mounts. */
  mtab: string;
  /** The bind mounts of directories on the disk; targets are absolute paths. */
  binds: readonly PersistentDir[];
  /** The kernel's count of device events: it stands still once probing is over. */
  ueventSeqnum: string;
}

export const defaultStoragePaths: StoragePaths = {
  sysClassBlock: '/sys/class/block',
  devDir: '/dev',
  mountinfo: '/proc/self/mountinfo',
  dataRoot: dockerDataRoot,
  mtab: '/etc/mtab',
  binds: persistentDirs,
  ueventSeqnum: '/sys/kernel/uevent_seqnum',
};

function readDeviceEvents(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export interface StorageTools {
  fsck(device: string, onLine: (line: string) => void): Promise<ToolRun>;
  mkfs(device: string, label: string, onLine: (line: string) => void): Promise<ToolRun>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export const defaultStorageTools: StorageTools = {
  fsck: checkExtFilesystem,
  mkfs: makeExtFilesystem,
  sleep: (ms) => sleep(ms),
  now: () => performance.now(),
};

/** The disk could not be used; the boot goes on with Docker in RAM. */
class DiskUnusableError extends OdError {}

function ensureMtab(path: string): void {
  try {
    lstatSync(path);
  } catch {
    try {
      symlinkSync('/proc/self/mounts', path);
    } catch {
      // e2fsck then reads /proc/mounts itself
    }
  }
}

/**
 * Mounts the disk labelled DOCKER on /var/lib/docker (formatting the blank disk that
 * od.disk.format names first), with /root and /var/log bind-mounted from it; without
 * one, Docker runs from RAM and the console says so. Never fails the boot: a disk that
 * cannot be used is reported and left as it is.
 */
export function createMountDockerDisk(paths: StoragePaths = defaultStoragePaths, tools: StorageTools = defaultStorageTools): Step {
  return {
    name: 'mountDockerDisk',
    required: false,
    async run(ctx) {
      const started = tools.now();
      const { timeoutMs, format, settleMs } = ctx.config.disk;
      ensureMtab(paths.mtab);
      mkdirSync(paths.dataRoot, { recursive: true });

      const scan = await findDockerDisk(
        { label: dockerLabel, formatTarget: format, timeoutMs, settleMs },
        {
          list: () => listBlockDevices(paths.sysClassBlock, paths.devDir),
          read: readAt,
          mountedDevnos: () => new Set(readMountInfo(paths.mountinfo).map((m) => m.devno)),
          now: tools.now,
          sleep: tools.sleep,
          note: (message) => ctx.console.warn(message),
          deviceEvents: () => readDeviceEvents(paths.ueventSeqnum),
        },
      );
      const refused = scan.kind === 'format' ? undefined : scan.refused;
      if (refused && format) ctx.console.event(diskEvents.refused(format, refused));

      let device: string;
      let devno: string;
      if (scan.kind === 'none') {
        const looked = scan.devices.length ? `disks seen: ${scan.devices.join(', ')}` : 'no disks seen';
        const waited = `waited ${(scan.waitedMs / 1000).toFixed(1)} s${scan.settled ? `, until no new disk for ${settleMs / 1000} s` : ''}`;
        return ramMode(ctx, `no disk labelled ${dockerLabel} (${waited}; ${looked})`);
      } else if (scan.kind === 'format') {
        device = scan.device.path;
        devno = scan.device.devno;
        try {
          await formatDisk(ctx, tools, device);
        } catch (error) {
          ctx.console.event(diskEvents.failed(device, describeError(error)));
          return ramMode(ctx, `${device} could not be formatted: ${describeError(error)}`);
        }
      } else {
        device = scan.disk.device.path;
        devno = scan.disk.device.devno;
        if (format && format === device) {
          ctx.console.info(`od.disk.format=${format}: it already holds the ${dockerLabel} filesystem; used as it is`);
        }
        for (const other of scan.others) {
          ctx.console.warn(`${other.device.path} is labelled ${dockerLabel} too; only ${device} is used (the first by name)`);
        }
        const state = scan.disk.superblock.needsRecovery ? ' (not cleanly unmounted last time: its journal is replayed)' : '';
        ctx.console.info(`${device}: ${scan.disk.superblock.type} labelled ${dockerLabel}, found after ${(scan.waitedMs / 1000).toFixed(1)} s${state}`);
        try {
          await checkDisk(ctx, tools, device);
        } catch (error) {
          ctx.console.event(diskEvents.failed(device, describeError(error)));
          return ramMode(ctx, describeError(error));
        }
      }

      try {
        ctx.sys.mount(device, paths.dataRoot, 'ext4', 0, '');
      } catch (error) {
        ctx.console.event(diskEvents.failed(device, describeError(error)));
        ctx.console.error(`${device} cannot be mounted on ${paths.dataRoot}: ${describeError(error)}; it is left as it is`);
        return ramMode(ctx, `${device} cannot be mounted (${describeError(error)})`);
      }
      const binds = bindPersistentDirs(ctx, paths);
      const state: StorageState = { mode: 'disk', device, devno, mountPoint: paths.dataRoot, binds };
      ctx.storage = state;
      ctx.console.event(diskEvents.mounted(device, tools.now() - started));
      ctx.console.info(`${device} mounted on ${paths.dataRoot}${binds.length ? `; ${binds.join(' and ')} kept on it` : ''}: images, containers and volumes survive a reboot`);
    },
  };
}

async function formatDisk(ctx: BootContext, tools: StorageTools, device: string): Promise<void> {
  ctx.console.info(`od.disk.format=${device}: the disk is blank; formatting it as ext4 labelled ${dockerLabel}`);
  const run = await tools.mkfs(device, dockerLabel, (line) => ctx.console.info(`mke2fs: ${line}`));
  if (run.code !== 0) {
    throw new DiskUnusableError(`mke2fs ${run.signal ? `was killed (${run.signal})` : `exited with ${run.code}`}${run.output.length ? `: ${run.output.at(-1)}` : ''}`);
  }
  ctx.console.event(diskEvents.formatted(device, run.ms));
  ctx.console.info(`${device} formatted in ${(run.ms / 1000).toFixed(1)} s`);
}

async function checkDisk(ctx: BootContext, tools: StorageTools, device: string): Promise<void> {
  let run: ToolRun;
  try {
    run = await tools.fsck(device, (line) => ctx.console.info(`e2fsck: ${line}`));
  } catch (error) {
    // No e2fsck in this initrd: the kernel still replays the journal when mounting.
    ctx.console.warn(`${device} not checked: ${describeError(error)}`);
    return;
  }
  const verdict = fsckVerdict(run);
  ctx.console.event(diskEvents.checked(device, verdict.result, run.ms));
  if (!verdict.mount) {
    const next = verdict.result === 'interrupted' ? `It is checked again at the next boot, or from the console: e2fsck -p ${device}` : `Repair it from the console: e2fsck -f ${device}`;
    throw new DiskUnusableError(`${device}: ${verdict.summary}; not mounted, so nothing is made worse. ${next}`);
  }
  if (verdict.result === 'clean') ctx.console.debug(`${device}: e2fsck -p: clean (${run.ms} ms)`);
  else ctx.console.warn(`${device}: ${verdict.summary}`);
}

/** /root and /var/log from the disk. A failure is reported; that directory stays in RAM. */
function bindPersistentDirs(ctx: BootContext, paths: StoragePaths): string[] {
  const done: string[] = [];
  for (const dir of paths.binds) {
    const source = join(paths.dataRoot, dir.onDisk);
    try {
      mkdirSync(source, { recursive: true, mode: dir.mode });
      if (!existsSync(dir.target)) mkdirSync(dir.target, { recursive: true, mode: dir.mode });
      ctx.sys.mount(source, dir.target, null, MS_BIND, null);
      done.push(dir.target);
    } catch (error) {
      ctx.console.warn(`${dir.target} is not kept on the disk (${describeError(error)}): what is written there is lost at power-off`);
    }
  }
  return done;
}

function ramMode(ctx: BootContext, reason: string): void {
  ctx.storage = { mode: 'ram', reason };
  ctx.console.event(diskEvents.ram());
  ctx.console.warn(
    `${reason}: Docker runs from RAM. Images, containers, volumes and /root are lost at power-off. ` +
      `To keep them, attach a disk labelled ${dockerLabel} (mkfs.ext4 -L ${dockerLabel}), or boot once with od.disk.format=/dev/sdX to prepare a blank one.`,
  );
}

export const mountDockerDisk: Step = createMountDockerDisk();
