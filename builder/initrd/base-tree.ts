// The part of the initrd that comes from no package: the directory skeleton, the merged
// /usr links, the one device node the kernel needs before devtmpfs (/dev/console, as a
// record, never made with mknod on the host) and the /etc files Docker reads.
import { RESOLV_CONF_PATH } from '../../contract/initrd-layout.ts';
import { charDev, dir, file, symlink, type InitrdRecord } from '../cpio/records.ts';

export interface BaseTreeOptions {
  version: string;
  hostname: string;
}

/** Group id of the docker group, owner of /var/run/docker.sock. */
export const DOCKER_GID = 999;

const text = (path: string, content: string, mode = 0o644) => file(path, { data: Buffer.from(content) }, mode);

export function baseTree({ version, hostname }: BaseTreeOptions): InitrdRecord[] {
  return [
    // Debian 12 is merged-/usr: the loader and packages expect /lib, /bin, /sbin to be
    // the /usr ones. Entries added under these links land in /usr (see RecordTree).
    symlink('bin', 'usr/bin'),
    symlink('sbin', 'usr/sbin'),
    symlink('lib', 'usr/lib'),
    symlink('lib64', 'usr/lib64'),
    dir('usr/bin'),
    dir('usr/sbin'),
    dir('usr/lib'),
    dir('usr/lib64'),
    dir('dev'),
    charDev('dev/console', 5, 1, 0o600),
    dir('proc', 0o555),
    dir('sys', 0o555),
    dir('run'),
    symlink('var/run', '../run'),
    dir('tmp', 0o1777),
    dir('var/lib/docker', 0o711),
    dir('var/log'),
    dir('root', 0o700),
    dir('home'),
    dir('etc'),
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
    text('etc/group', `root:x:0:\ntty:x:5:\ndocker:x:${DOCKER_GID}:\nnogroup:x:65534:\n`),
    text('etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640),
    text('etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`),
    text('etc/hostname', `${hostname}\n`),
    text('etc/nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n'),
    // dockerd reads os-release for `docker info`.
    text(
      'etc/os-release',
      [
        'NAME="only-docker"',
        'ID=only-docker',
        `VERSION="${version}"`,
        `VERSION_ID="${version}"`,
        `PRETTY_NAME="only-docker ${version}"`,
        '',
      ].join('\n'),
    ),
    symlink('usr/lib/os-release', '../../etc/os-release'),
    // The network's resolver file is written at run time by the init, from the DHCP
    // lease or the static address (init/net/lease-resolv-conf.ts): the host's file
    // follows it through a link. Not the DHCP container's own resolv.conf: a file in a
    // directory a container writes to is never read by the host.
    symlink('etc/resolv.conf', `..${RESOLV_CONF_PATH}`),
  ];
}
