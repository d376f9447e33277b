// Busybox applet links (sh, ps, modprobe, ip, mount...) for the host side of the
// initrd: the emergency shell and the VT2 host shell, `ps` for `docker top`, and the
// `modprobe` iptables runs. The list comes from the binary itself, so it always matches.
import { execa } from 'execa';
import { symlink, type InitrdRecord } from '../cpio/records.ts';

/** `busybox --list-full` prints "bin/sh", "sbin/modprobe", "usr/bin/xargs"... */
export function parseAppletList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    // linuxrc would be an init at the root: this initrd has its own.
    .filter((line) => line !== '' && line !== 'linuxrc' && !line.endsWith('/busybox'));
}

export async function busyboxAppletRecords(busyboxHostPath: string, busyboxTarget = '/usr/bin/busybox'): Promise<InitrdRecord[]> {
  // busybox-static runs on the build host: it is static and the same architecture.
  const { stdout } = await execa(busyboxHostPath, ['--list-full']);
  // Absolute targets: the initrd is the root file system, and the applets sit in several
  // directories (bin, sbin, usr/bin, usr/sbin).
  return parseAppletList(stdout).map((applet) => symlink(applet, busyboxTarget));
}
