// mount(2) flags from <sys/mount.h>; only the ones the init uses.
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_RELATIME = 1 << 21;

export const MNT_DETACH = 2;
