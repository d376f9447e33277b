// Whether a disk may be formatted. The rule is deliberately narrow: only a disk that
// holds nothing at all. A wrong "yes" loses someone's data; a wrong "no" costs them a
// `dd if=/dev/zero of=/dev/sdX bs=1M count=1` in the console.
import { readAt, type BlockDevice } from './block-devices.ts';
import { findSignatures, firstNonZero } from './signatures.ts';

export const MiB = 1024 * 1024;

/** Smaller than this and Docker could not hold an image anyway; mke2fs would make a toy. */
export const minimumFormatBytes = 64 * MiB;

/**
 * Where partitions start: 2048 sectors (1 MiB, what fdisk and every GPT tool make), then
 * the larger alignments some tools and images use. A partition table wiped with its
 * first MiB (`dd ... count=1`) leaves the filesystems behind it whole, with no sign of
 * them in the first or last MiB. 63 sectors (the old DOS start) lies inside the first
 * MiB, which is read whole anyway.
 */
export const partitionStarts: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128].map((n) => n * MiB);

/** From a partition start, enough to hold every superblock findSignatures knows (btrfs at 64 KiB). */
const partitionProbeBytes = 68 * 1024;

export type BlankVerdict = { blank: true } | { blank: false; reason: string };

export interface ExamineOptions {
  /** Reads bytes of the device; `readAt` on the real one. */
  read?: (path: string, offset: number, length: number) => Buffer;
  /** "major:minor" of the devices mounted now (from /proc/self/mountinfo). */
  mountedDevnos?: ReadonlySet<string>;
}

/**
 * Blank means: not read-only, not mounted, no partitions and nothing built on it
 * (sysfs), no signature of a filesystem or partition table, and its first and last MiB
 * all zero (the places where partition tables, filesystems, RAID and LVM keep their
 * headers and backups), and so the starts of the partitions a wiped table pointed to. A new virtual disk or a wiped one passes; anything a person
 * ever put something on does not.
 */
export function examineBlank(device: BlockDevice, options: ExamineOptions = {}): BlankVerdict {
  const read = options.read ?? readAt;
  if (device.readOnly) return { blank: false, reason: 'it is read-only' };
  if (options.mountedDevnos?.has(device.devno)) return { blank: false, reason: 'it is mounted' };
  if (device.partitions.length) return { blank: false, reason: `it has partitions (${device.partitions.join(', ')})` };
  if (device.holders.length) return { blank: false, reason: `it is in use by ${device.holders.join(', ')}` };
  if (device.sizeBytes < minimumFormatBytes) {
    return { blank: false, reason: `it is too small (${Math.round(device.sizeBytes / MiB)} MiB; at least ${minimumFormatBytes / MiB} MiB)` };
  }

  let head: Buffer;
  let tail: Buffer;
  try {
    head = read(device.path, 0, MiB);
    tail = read(device.path, Math.max(0, device.sizeBytes - MiB), MiB);
  } catch (error) {
    return { blank: false, reason: `it cannot be read (${(error as Error).message})` };
  }
  const signatures = findSignatures(head);
  if (signatures.length) return { blank: false, reason: `it holds ${signatures.join(' and ')}` };
  const inHead = firstNonZero(head);
  if (inHead >= 0) return { blank: false, reason: `it holds data (a non-zero byte at offset ${inHead})` };
  if (head.length < Math.min(MiB, device.sizeBytes)) return { blank: false, reason: 'its first MiB cannot be read whole' };
  for (const start of partitionStarts) {
    // Past this the last MiB is read anyway.
    if (start + partitionProbeBytes > device.sizeBytes - MiB) break;
    let window: Buffer;
    try {
      window = read(device.path, start, partitionProbeBytes);
    } catch (error) {
      return { blank: false, reason: `it cannot be read (${(error as Error).message})` };
    }
    const where = `at ${start / MiB} MiB, where a partition starts`;
    const found = findSignatures(window);
    if (found.length) return { blank: false, reason: `it holds ${found.join(' and ')} ${where}` };
    const at = firstNonZero(window);
    if (at >= 0) return { blank: false, reason: `it holds data (a non-zero byte at offset ${start + at}, ${where})` };
  }
  const inTail = firstNonZero(tail);
  if (inTail >= 0) {
    return { blank: false, reason: `it holds data near its end (a non-zero byte at offset ${device.sizeBytes - tail.length + inTail})` };
  }
  return { blank: true };
}
