import type { KoffiApi } from './koffi.ts';
import { SyscallError } from './syscall-error.ts';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceNumber, LoopDevice, ResourceLimit, Sys, WaitResult } from './sys.ts';

const SYS_finit_module = 313; // x86_64
const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;
const IFNAMSIZ = 16;
const SIZEOF_IFREQ = 40;
const RLIM_INFINITY = 0xffffffffffffffffn;
// <linux/loop.h>
const LOOP_CTL_GET_FREE = 0x4c82;
const LOOP_CONFIGURE = 0x4c0a;
const LO_FLAGS_READ_ONLY = 1;
const LO_FLAGS_AUTOCLEAR = 4;
/** struct loop_config: u32 fd, u32 block_size, struct loop_info64 (232 bytes), u64 reserved[8]. */
const SIZEOF_LOOP_CONFIG = 304;
const LOOP_CONFIG_FLAGS = 8 + 52;
const LOOP_CONFIG_FILE_NAME = 8 + 56;
const LO_NAME_SIZE = 64;
/** Another process may take the free device between the two calls: ask again. */
const LOOP_ATTEMPTS = 5;

/** glibc's makedev(): the 64-bit dev_t layout mknod(2) expects. */
export function makedev({ major, minor }: DeviceNumber): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

/** The Sys interface backed by glibc through koffi. */
export function createLibcSys(koffi: KoffiApi): Sys {
  const libc = koffi.load('libc.so.6');
  const fn = {
    mount: libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: libc.func('int umount2(const char *target, int flags)'),
    mknod: libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    sethostname: libc.func('int sethostname(const char *name, size_t len)'),
    syscall: libc.func('long syscall(long number, ...)'),
    sync: libc.func('void sync()'),
    dup2: libc.func('int dup2(int oldfd, int newfd)'),
    reboot: libc.func('int reboot(int cmd)'),
    kill: libc.func('int kill(int pid, int sig)'),
    waitpid: libc.func('int waitpid(int pid, _Out_ int *status, int options)'),
    prlimit: libc.func('int prlimit(int pid, int resource, const void *limit, void *old)'),
    socket: libc.func('int socket(int domain, int type, int protocol)'),
    ioctl: libc.func('int ioctl(int fd, unsigned long request, void *arg)'),
    ioctlValue: libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
    close: libc.func('int close(int fd)'),
  };

  // errno must be read right after the call, before anything else can touch it.
  function check(result: number, syscall: string, detail?: string): number {
    if (result === -1) throw new SyscallError(syscall, koffi.errno(), detail);
    return result;
  }

  return {
    mount(source, target, fstype, flags, data) {
      check(fn.mount(source, target, fstype, flags, data), 'mount', target);
    },
    umount2(target, flags) {
      check(fn.umount2(target, flags), 'umount2', target);
    },
    mknod(path, mode, device) {
      check(fn.mknod(path, mode, makedev(device)), 'mknod', path);
    },
    sethostname(name) {
      check(fn.sethostname(name, Buffer.byteLength(name)), 'sethostname', name);
    },
    finitModule(fd, params, flags) {
      check(Number(fn.syscall(SYS_finit_module, 'int', fd, 'const char *', params, 'int', flags)), 'finit_module');
    },
    sync() {
      fn.sync();
    },
    dup2(oldfd, newfd) {
      check(fn.dup2(oldfd, newfd), 'dup2', `${oldfd}, ${newfd}`);
    },
    reboot(command) {
      check(fn.reboot(command), 'reboot');
    },
    kill(pid, signal) {
      check(fn.kill(pid, signal), 'kill', String(pid));
    },
    waitpid(pid, options): WaitResult {
      const status = [0];
      const result = check(fn.waitpid(pid, status, options), 'waitpid', String(pid));
      return { pid: result, status: status[0] ?? 0 };
    },
    setResourceLimit(pid: number, resource: number, limit: ResourceLimit) {
      const rlimit = Buffer.alloc(16);
      rlimit.writeBigUInt64LE(limit.soft ?? RLIM_INFINITY, 0);
      rlimit.writeBigUInt64LE(limit.hard ?? RLIM_INFINITY, 8);
      check(fn.prlimit(pid, resource, rlimit, null), 'prlimit', `${pid}, ${resource}`);
    },
    setInterfaceUp(name) {
      if (Buffer.byteLength(name) >= IFNAMSIZ) throw new SyscallError('ioctl', 36 /* ENAMETOOLONG */, name);
      const fd = check(fn.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket', 'AF_INET');
      try {
        // struct ifreq: char ifr_name[16], then a union whose first short is ifr_flags.
        const ifreq = Buffer.alloc(SIZEOF_IFREQ);
        ifreq.write(name, 0, 'utf8');
        check(fn.ioctl(fd, SIOCGIFFLAGS, ifreq), 'ioctl(SIOCGIFFLAGS)', name);
        const flags = ifreq.readUInt16LE(IFNAMSIZ);
        if ((flags & IFF_UP) !== 0) return;
        ifreq.writeUInt16LE(flags | IFF_UP, IFNAMSIZ);
        check(fn.ioctl(fd, SIOCSIFFLAGS, ifreq), 'ioctl(SIOCSIFFLAGS)', name);
      } finally {
        fn.close(fd);
      }
    },
    attachLoop(file, devDir): LoopDevice {
      const backing = openSync(file, 'r');
      try {
        const control = openSync(join(devDir, 'loop-control'), 'r+');
        try {
          for (let attempt = 1; ; attempt++) {
            const number = check(fn.ioctlValue(control, LOOP_CTL_GET_FREE, 0), 'ioctl(LOOP_CTL_GET_FREE)');
            const path = join(devDir, `loop${number}`);
            const fd = openSync(path, 'r');
            const config = Buffer.alloc(SIZEOF_LOOP_CONFIG);
            config.writeUInt32LE(backing, 0);
            config.writeUInt32LE(LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR, LOOP_CONFIG_FLAGS);
            config.write(file.slice(-(LO_NAME_SIZE - 1)), LOOP_CONFIG_FILE_NAME, 'utf8');
            if (fn.ioctl(fd, LOOP_CONFIGURE, config) === 0) return { path, fd };
            const errno = koffi.errno();
            closeSync(fd);
            if (errno !== 16 /* EBUSY */ || attempt >= LOOP_ATTEMPTS) throw new SyscallError('ioctl(LOOP_CONFIGURE)', errno, `${path}, ${file}`);
          }
        } finally {
          closeSync(control);
        }
      } finally {
        // The loop device holds its own reference to the file.
        closeSync(backing);
      }
    },
  };
}
