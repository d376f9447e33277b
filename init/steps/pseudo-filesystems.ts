import type { CreatorEntry } from '../sys/creator.ts';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RELATIME } from '../sys/mount-flags.ts';

const dir = (path: string, mode = 0o755): CreatorEntry => ({ kind: 'dir', path, mode });
const symlink = (path: string, target: string): CreatorEntry => ({ kind: 'symlink', path, target });
const chr = (path: string, mode: number, major: number, minor: number): CreatorEntry => ({
  kind: 'dev',
  path,
  type: 'char',
  mode,
  device: { major, minor },
});

const hardened = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;

/**
 * What Docker needs mounted before dockerd starts (seed 000: /proc, /sys, /dev, /run,
 * /var/run, the cgroup filesystem), in the order the kernel allows: /dev/pts and the
 * links into /proc need /dev and /proc first; cgroup2 needs /sys.
 */
export const pseudoFilesystems: readonly CreatorEntry[] = [
  dir('/proc', 0o555),
  { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: hardened, data: '' },
  dir('/sys', 0o555),
  { kind: 'mount', source: 'sysfs', target: '/sys', fstype: 'sysfs', flags: hardened, data: '' },

  // devtmpfs: the kernel creates the device nodes, so no mdev/udev pass is needed.
  dir('/dev'),
  { kind: 'mount', source: 'devtmpfs', target: '/dev', fstype: 'devtmpfs', flags: MS_NOSUID | MS_RELATIME, data: 'mode=0755' },
  // devtmpfs already has these; the entries only matter on a kernel without it.
  chr('/dev/console', 0o600, 5, 1),
  chr('/dev/null', 0o666, 1, 3),
  chr('/dev/zero', 0o666, 1, 5),
  chr('/dev/tty', 0o666, 5, 0),
  chr('/dev/urandom', 0o666, 1, 9),
  chr('/dev/kmsg', 0o644, 1, 11),
  symlink('/dev/fd', '/proc/self/fd'),
  symlink('/dev/stdin', '/proc/self/fd/0'),
  symlink('/dev/stdout', '/proc/self/fd/1'),
  symlink('/dev/stderr', '/proc/self/fd/2'),

  // A private devpts instance whose ptmx anyone may open (ptmxmode=666), and whose
  // slaves belong to group tty (5) with mode 620, as login programs expect.
  dir('/dev/pts'),
  {
    kind: 'mount',
    source: 'devpts',
    target: '/dev/pts',
    fstype: 'devpts',
    flags: MS_NOSUID | MS_NOEXEC | MS_RELATIME,
    data: 'newinstance,ptmxmode=666,gid=5,mode=620',
  },
  // devtmpfs already has a /dev/ptmx node (5,2), which since Linux 4.7 opens the devpts
  // mounted next to it; the link is only created where the node is missing.
  symlink('/dev/ptmx', 'pts/ptmx'),
  dir('/dev/shm', 0o1777),
  { kind: 'mount', source: 'shm', target: '/dev/shm', fstype: 'tmpfs', flags: MS_NOSUID | MS_NODEV | MS_RELATIME, data: 'mode=1777' },
  dir('/dev/mqueue'),
  { kind: 'mount', source: 'mqueue', target: '/dev/mqueue', fstype: 'mqueue', flags: hardened, data: '', optional: true },

  dir('/run'),
  { kind: 'mount', source: 'tmpfs', target: '/run', fstype: 'tmpfs', flags: MS_NOSUID | MS_NODEV | MS_RELATIME, data: 'mode=0755' },
  dir('/var'),
  symlink('/var/run', '/run'),
  dir('/var/log'),
  dir('/tmp', 0o1777),
  { kind: 'mount', source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: MS_NOSUID | MS_NODEV | MS_RELATIME, data: 'mode=1777' },

  // cgroup v2 only (Docker 20.10 supports it). nsdelegate makes cgroup namespaces
  // delegation boundaries; a kernel that does not know it still gets a plain mount.
  dir('/sys/fs/cgroup'),
  {
    kind: 'mount',
    source: 'cgroup2',
    target: '/sys/fs/cgroup',
    fstype: 'cgroup2',
    flags: hardened,
    data: 'nsdelegate',
    fallbackData: [''],
  },
];
