// The system calls the init needs, as an interface: steps and helpers depend on this,
// not on koffi, so unit tests can hand them a fake and run without privileges.

export interface DeviceNumber {
  major: number;
  minor: number;
}

/** `undefined` means RLIM_INFINITY. */
export interface ResourceLimit {
  soft: bigint | undefined;
  hard: bigint | undefined;
}

export interface WaitResult {
  /** 0 when WNOHANG and the child has not changed state. */
  pid: number;
  status: number;
}

/**
 * A loop device bound to a file, read-only and cleared by the kernel once nothing holds
 * it (LO_FLAGS_AUTOCLEAR): after a mount from it, close `fd` and the mount alone keeps it.
 */
export interface LoopDevice {
  /** /dev/loopN */
  path: string;
  /** The open loop device. */
  fd: number;
}

/** Every method throws a SyscallError when the call fails. */
export interface Sys {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  mknod(path: string, mode: number, device: DeviceNumber): void;
  sethostname(name: string): void;
  /** finit_module(2): load a kernel module from an open file descriptor. */
  finitModule(fd: number, params: string, flags: number): void;
  sync(): void;
  /** dup2(2): makes `newfd` a copy of `oldfd` (closing what `newfd` was). */
  dup2(oldfd: number, newfd: number): void;
  reboot(command: number): void;
  kill(pid: number, signal: number): void;
  waitpid(pid: number, options: number): WaitResult;
  /** prlimit(2) on a pid (0 = the calling process). */
  setResourceLimit(pid: number, resource: number, limit: ResourceLimit): void;
  /** SIOCGIFFLAGS + SIOCSIFFLAGS with IFF_UP on a network interface. */
  setInterfaceUp(name: string): void;
  /** LOOP_CTL_GET_FREE on /dev/loop-control, then LOOP_CONFIGURE: `file` as a read-only block device. */
  attachLoop(file: string, devDir: string): LoopDevice;
}

export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const WNOHANG = 1;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const MODULE_INIT_COMPRESSED_FILE = 4;
