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
