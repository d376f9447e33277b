// Source 2: a config drive as clouds and lima make it (NoCloud): a disk or CD whose
// filesystem, vfat or ISO 9660, is labelled `cidata` and holds `user-data` (and
// `meta-data`, which only-docker does not use). It is found by reading the boot sector
// and volume descriptor (storage/signatures.ts, no blkid), mounted read-only for the
// read only, and left alone otherwise.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../../contract/errors.ts';
import { ignoredDeviceNameButOptical, listBlockDevices, readAt, type BlockDevice } from '../../storage/block-devices.ts';
import { labelledVolumeOf, VOLUME_PROBE_BYTES, type LabelledVolume } from '../../storage/signatures.ts';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../../sys/mount-flags.ts';
import type { Sys } from '../../sys/sys.ts';
import { ConfigSourceError, readConfigFile, type ConfigSourceProblem, type ConfigSourceText } from './config-source.ts';

/** Compared without case: vfat labels are upper case (mkfs.vfat -n cidata writes CIDATA). */
export const configDriveLabel = 'cidata';
export const userDataName = 'user-data';
/** Private to the init (mode 0700), and only mounted while user-data is read. */
export const configDriveMountPoint = '/run/only-docker/cidata';

export interface ConfigDrive {
  device: BlockDevice;
  volume: LabelledVolume;
}

export type ReadDevice = (path: string, offset: number, length: number) => Buffer;

/**
 * The devices holding a filesystem labelled cidata, in the order given (listBlockDevices:
 * natural name order, so the choice is the same at every boot). A device that cannot be
 * read is passed by: mountDockerDisk has reported it already, and an empty CD drive is
 * no config drive.
 */
export function findConfigDrives(devices: readonly BlockDevice[], read: ReadDevice): ConfigDrive[] {
  const drives: ConfigDrive[] = [];
  for (const device of devices) {
    let volume: LabelledVolume | undefined;
    try {
      volume = labelledVolumeOf(read(device.path, 0, VOLUME_PROBE_BYTES));
    } catch {
      continue;
    }
    if (volume && volume.label.toLowerCase() === configDriveLabel) drives.push({ device, volume });
  }
  return drives;
}

export interface ConfigDriveDeps {
  sys: Pick<Sys, 'mount' | 'umount2'>;
  /** The block devices, optical drives included; listBlockDevices on the real system. */
  listDevices?: () => BlockDevice[];
  read?: ReadDevice;
  mountPoint?: string;
}

export interface ConfigDriveRead {
  /** user-data of the first config drive; undefined when there is none. */
  found?: ConfigSourceText;
  /** Said, not fatal: the other config drives, which are not read. */
  notes: ConfigSourceProblem[];
}

/** The source's name: the device and the file, `/dev/sr1:user-data`. */
export function configDriveSource(drive: ConfigDrive): string {
  return `${drive.device.path}:${userDataName}`;
}

/**
 * user-data of the first config drive, and notes about any other. Throws a
 * ConfigSourceError naming the device when it cannot be mounted or its user-data
 * cannot be read (missing, not a regular file, too large).
 */
export async function readConfigDrive(deps: ConfigDriveDeps): Promise<ConfigDriveRead> {
  const devices = (deps.listDevices ?? (() => listBlockDevices('/sys/class/block', '/dev', ignoredDeviceNameButOptical)))();
  const [drive, ...others] = findConfigDrives(devices, deps.read ?? readAt);
  if (!drive) return { notes: [] };
  const source = configDriveSource(drive);
  const notes = others.map((other) => ({
    source: configDriveSource(other),
    message: `${other.device.path} is a config drive too (label ${JSON.stringify(other.volume.label)}): not read, only the first one (${drive.device.path}) is`,
  }));
  const mountPoint = deps.mountPoint ?? configDriveMountPoint;
  try {
    mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
    // Read-only: the drive is the user's (or the cloud's), never changed; nothing on it runs.
    deps.sys.mount(drive.device.path, mountPoint, drive.volume.fstype, MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC, null);
  } catch (cause) {
    throw new ConfigSourceError(source, `cannot mount ${drive.device.path} (${drive.volume.fstype}, read-only) on ${mountPoint}: ${describeError(cause)}`, { cause });
  }
  try {
    const found = await readConfigFile(join(mountPoint, userDataName), source);
    if (!found) throw new ConfigSourceError(source, `the config drive ${drive.device.path} has no ${userDataName} file`);
    return { found, notes };
  } finally {
    unmount(deps.sys, mountPoint);
  }
}

function unmount(sys: ConfigDriveDeps['sys'], mountPoint: string): void {
  try {
    sys.umount2(mountPoint, 0);
  } catch {
    try {
      // Busy cannot be (nothing else knows the directory), but a mount left behind
      // would hold the drive: detach it whatever happens.
      sys.umount2(mountPoint, MNT_DETACH);
    } catch {
      // read-only and private: harmless, and shutdown unmounts everything
    }
  }
}
