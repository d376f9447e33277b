// Waits for the disk labelled DOCKER, or for the blank disk od.disk.format names.
// Disks appear asynchronously after their driver is loaded (AHCI and SCSI scan their
// ports in the background, NVMe and USB take longer), so the block devices are looked
// at again and again until one fits or the time is up. Most machines have every disk
// long before that: once the kernel has announced no device for a while (its uevent
// counter stands still), the disks there are all there will be, and the wait ends.
import type { BlockDevice } from './block-devices.ts';
import { examineBlank } from './blank-disk.ts';
import { EXT_SUPERBLOCK_OFFSET, EXT_SUPERBLOCK_SIZE, parseExtSuperblock, type ExtSuperblock } from './signatures.ts';

export interface DiskScanDeps {
  list(): BlockDevice[];
  read(path: string, offset: number, length: number): Buffer;
  /** "major:minor" of what is mounted now. */
  mountedDevnos(): ReadonlySet<string>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Progress for people (a device that cannot be read, a refused format). */
  note(message: string): void;
  /**
   * A number the kernel raises with every device it announces (/sys/kernel/uevent_seqnum);
   * undefined when it cannot be read, and then the wait runs to the timeout.
   */
  deviceEvents?(): number | undefined;
}

export interface DiskScanOptions {
  label: string;
  /** od.disk.format: the only device that may be formatted, and only when blank. */
  formatTarget: string | null;
  timeoutMs: number;
  /**
   * Stop waiting once no device was announced for this long (0: wait the whole timeout).
   * Not while a format target is still missing: a named disk is worth the full wait.
   */
  settleMs?: number;
  intervalMs?: number;
}

export interface LabelledDisk {
  device: BlockDevice;
  superblock: ExtSuperblock;
}

export type DiskScanResult =
  | { kind: 'labelled'; disk: LabelledDisk; others: LabelledDisk[]; waitedMs: number; refused?: string }
  | { kind: 'format'; device: BlockDevice; waitedMs: number }
  | { kind: 'none'; waitedMs: number; devices: string[]; refused?: string; settled?: boolean };

/** The ext superblocks with this label, in device order. Devices that cannot be read are passed to `unreadable`. */
export function labelledDisks(
  devices: readonly BlockDevice[],
  label: string,
  read: DiskScanDeps['read'],
  unreadable: (device: BlockDevice, error: Error) => void,
): LabelledDisk[] {
  const found: LabelledDisk[] = [];
  for (const device of devices) {
    let block: Buffer;
    try {
      block = read(device.path, EXT_SUPERBLOCK_OFFSET, EXT_SUPERBLOCK_SIZE);
    } catch (error) {
      unreadable(device, error as Error);
      continue;
    }
    const superblock = parseExtSuperblock(block);
    if (superblock && superblock.label === label) found.push({ device, superblock });
  }
  return found;
}

/**
 * Looks until a disk labelled `label` is there (it wins, whatever od.disk.format says),
 * or the format target is there and blank, or the time is up. A format target that
 * holds anything is refused once, with the reason, and never looked at again.
 */
export async function findDockerDisk(options: DiskScanOptions, deps: DiskScanDeps): Promise<DiskScanResult> {
  const started = deps.now();
  const deadline = started + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  const reportedUnreadable = new Set<string>();
  let refused: string | undefined;
  let targetDone = options.formatTarget === null;
  let devices: BlockDevice[] = [];
  const settleMs = options.settleMs ?? 0;
  let lastEvents = deps.deviceEvents?.();
  let quietSince = started;

  for (;;) {
    devices = deps.list();
    const labelled = labelledDisks(devices, options.label, deps.read, (device, error) => {
      if (reportedUnreadable.has(device.name)) return;
      reportedUnreadable.add(device.name);
      deps.note(`${device.path} cannot be read (${error.message}); skipped`);
    });
    const waitedMs = Math.round(deps.now() - started);
    if (labelled.length) {
      const [disk, ...others] = labelled as [LabelledDisk, ...LabelledDisk[]];
      if (!targetDone && options.formatTarget !== disk.device.path) {
        // Said either way, so that nobody wonders why the named disk was not formatted.
        const target = devices.find((device) => device.path === options.formatTarget);
        const verdict = target ? examineBlank(target, { read: deps.read, mountedDevnos: deps.mountedDevnos() }) : undefined;
        refused =
          verdict && !verdict.blank
            ? `${options.formatTarget} is not formatted: ${verdict.reason}`
            : `${options.formatTarget} is not formatted: the disk labelled ${options.label} (${disk.device.path}) is used`;
        deps.note(refused);
      }
      return { kind: 'labelled', disk, others, waitedMs, ...(refused ? { refused } : {}) };
    }

    if (!targetDone) {
      const target = devices.find((device) => device.path === options.formatTarget);
      if (target) {
        targetDone = true;
        const verdict = examineBlank(target, { read: deps.read, mountedDevnos: deps.mountedDevnos() });
        if (verdict.blank) return { kind: 'format', device: target, waitedMs };
        refused = `${target.path} is not formatted: ${verdict.reason}; only a blank disk is (first and last MiB and the usual partition starts all zero, no partitions)`;
        deps.note(refused);
      }
    }

    const events = deps.deviceEvents?.();
    if (events !== lastEvents) {
      lastEvents = events;
      quietSince = deps.now();
    }
    const settled = settleMs > 0 && events !== undefined && targetDone && deps.now() - quietSince >= settleMs;
    if (settled) {
      return { kind: 'none', waitedMs: Math.round(deps.now() - started), devices: devices.map((d) => d.path), ...(refused ? { refused } : {}), settled: true };
    }

    if (deps.now() >= deadline) {
      if (!targetDone) {
        refused = `${options.formatTarget} is not formatted: there is no such disk (none appeared within ${options.timeoutMs / 1000} s)`;
        deps.note(refused);
      }
      return { kind: 'none', waitedMs: Math.round(deps.now() - started), devices: devices.map((d) => d.path), ...(refused ? { refused } : {}) };
    }
    await deps.sleep(Math.max(1, Math.min(interval, deadline - deps.now())));
  }
}
