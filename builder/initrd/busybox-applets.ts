// Busybox applet links (sh, ps, modprobe, ip, mount...) for the host side of the
// initrd: the emergency shell and the VT2 host shell, `ps` for `docker top`, and the
// `modprobe` iptables runs. The list comes from the binary itself, so it always matches.
import { symlink, type InitrdRecord } from '../cpio/records.ts';
import { listBusyboxApplets } from '../sources/busybox-applet-list.ts';

/** The applets worth a link: not busybox itself, and not linuxrc, an init at the root (this initrd has its own). */
export function initrdApplets(appletPaths: readonly string[]): string[] {
  return appletPaths.filter((path) => path !== '/linuxrc' && !path.endsWith('/busybox'));
}

export async function busyboxAppletRecords(busyboxHostPath: string, busyboxTarget = '/usr/bin/busybox'): Promise<InitrdRecord[]> {
  // Absolute targets: the initrd is the root file system, and the applets sit in several
  // directories (bin, sbin, usr/bin, usr/sbin).
  return initrdApplets(await listBusyboxApplets(busyboxHostPath)).map((applet) => symlink(applet, busyboxTarget));
}
