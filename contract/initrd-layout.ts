// Where the builder puts what the init reads inside the initrd. Paths are absolute, as
// the init sees them; the builder writes records relative to the root (initrdRecordPath).
import { dirname, join } from 'node:path';

/** koffi's native module, loaded with process.dlopen (a SEA can require only built-ins). */
export const KOFFI_PATH = '/usr/lib/only-docker/koffi.node';

/**
 * The system image: Docker's binaries, their libraries, the tools and the bundled images
 * in one compressed read-only filesystem, stored as this file in the initrd's second,
 * uncompressed segment. The kernel copies it into the root tmpfs as it is (no
 * decompression of the payload at boot); the init attaches it to a loop device and
 * mounts it read-only on SYSTEM_IMAGE_MOUNT. Pages are then decompressed only when read.
 */
export const SYSTEM_IMAGE_PATH = '/usr/lib/only-docker/system.img';
/** The filesystem of the image (README "The system image": why squashfs with zstd). */
export const SYSTEM_IMAGE_FSTYPE = 'squashfs';
/**
 * Where the image is mounted. Every path of the image is also reachable at its own path
 * (DOCKERD_PATH, the libraries, BUNDLED_IMAGES_DIR...) through links the initrd's first
 * segment holds, so nothing that runs from it needs to know it is mounted.
 */
export const SYSTEM_IMAGE_MOUNT = '/usr/lib/only-docker/system';

/** The bundled `docker save` archives and their index (image-index.ts). */
export const BUNDLED_IMAGES_DIR = '/usr/share/only-docker/images';
export const IMAGE_INDEX_FILE = 'index.json';

/** The kernel modules' directory; the load list is in its `<uname -r>` subdirectory. */
export const MODULES_ROOT = '/lib/modules';

/** Debian's docker.io installs the daemon in /usr/sbin and the CLI in /usr/bin. */
export const DOCKERD_PATH = '/usr/sbin/dockerd';
export const DOCKER_CLI_PATH = '/usr/bin/docker';
/** Debian's containerd; the init runs it beside dockerd (init/containerd/). */
export const CONTAINERD_PATH = '/usr/bin/containerd';

export const BUSYBOX_PATH = '/bin/busybox';

/** Where the DHCP container publishes lease.json (the resolv.conf it writes there too is never read). */
export const NET_STATE_DIR = '/run/only-docker/net';
export const LEASE_FILE = 'lease.json';

/**
 * The host's resolver file, which /etc/resolv.conf links to and dockerd copies into
 * every new container: rendered by the init from the parsed lease (or od.net.dns). It
 * lies beside the DHCP container's state directory, not in it: the container can write
 * there, and a resolv.conf it made a symlink would have dockerd copy any host file into
 * containers.
 */
export function resolvConfPath(netStateDir: string): string {
  return join(dirname(netStateDir), 'resolv.conf');
}
export const RESOLV_CONF_PATH = resolvConfPath(NET_STATE_DIR);

/** A path of the list above as a cpio record names it: relative to the initrd's root. */
export function initrdRecordPath(path: string): string {
  return path.replace(/^\/+/, '');
}
