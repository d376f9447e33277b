// Where the builder puts what the init reads inside the initrd. Paths are absolute, as
// the init sees them; the builder writes records relative to the root (initrdRecordPath).
import { dirname, join } from 'node:path';

/** koffi's native module, loaded with process.dlopen (a SEA can require only built-ins). */
export const KOFFI_PATH = '/usr/lib/only-docker/koffi.node';

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
