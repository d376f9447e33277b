// What mountDockerDisk decided, for the steps after it and for shutdown.

export type StorageState =
  | {
      mode: 'disk';
      /** /dev/vda */
      device: string;
      /** "major:minor": finds the disk and its bind mounts in /proc/self/mountinfo. */
      devno: string;
      /** Where the disk is mounted: /var/lib/docker. */
      mountPoint: string;
      /** Bind mounts of directories on the disk (/root, /var/log), in the order they were made. */
      binds: string[];
    }
  | {
      mode: 'ram';
      /** Why, for people: "no disk labelled DOCKER", "/dev/vda: e2fsck found errors...". */
      reason: string;
    };

export type DiskEvent =
  | { od: 'disk'; status: 'mounted'; device: string; ms: number }
  | { od: 'disk'; status: 'ram' }
  | { od: 'disk'; status: 'formatted'; device: string; ms: number }
  | { od: 'disk'; status: 'refused'; device: string; reason: string }
  | { od: 'disk'; status: 'failed'; device: string; error: string }
  | { od: 'disk'; status: 'checked'; device: string; result: string; ms: number };

export const diskEvents = {
  mounted: (device: string, ms: number): DiskEvent => ({ od: 'disk', status: 'mounted', device, ms: Math.round(ms) }),
  ram: (): DiskEvent => ({ od: 'disk', status: 'ram' }),
  formatted: (device: string, ms: number): DiskEvent => ({ od: 'disk', status: 'formatted', device, ms: Math.round(ms) }),
  refused: (device: string, reason: string): DiskEvent => ({ od: 'disk', status: 'refused', device, reason }),
  failed: (device: string, error: string): DiskEvent => ({ od: 'disk', status: 'failed', device, error }),
  checked: (device: string, result: string, ms: number): DiskEvent => ({ od: 'disk', status: 'checked', device, result, ms: Math.round(ms) }),
};
