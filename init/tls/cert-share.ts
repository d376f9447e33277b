// Hands the client certificates to the machine that runs the VM, through a virtio-9p
// share that kvm/run.sh passes (`-virtfs ...,mount_tag=odcerts`). The init finds it by
// its tag, mounts it for the copy only, and leaves it: nothing else in the VM uses it.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID } from '../sys/mount-flags.ts';
import type { Sys } from '../sys/sys.ts';
import { certMode, keyMode, readOptional, writeFileAtomic, type TlsLayout } from './layout.ts';
import { OdError } from '../../contract/errors.ts';

/** The tag kvm/run.sh gives the share; the same string is in both places. */
export const certShareTag = 'odcerts';

/** True when a virtio-9p device with this tag is bound to the 9pnet_virtio driver. */
export function hasVirtioShare(driverDir: string, tag: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(driverDir);
  } catch {
    return false; // no 9p driver loaded, or no such device: not run by run.sh
  }
  for (const entry of entries) {
    if (!entry.startsWith('virtio')) continue;
    try {
      // The kernel pads the tag with NULs on some versions.
      if (readFileSync(join(driverDir, entry, 'mount_tag'), 'utf8').replace(/\0+$/, '').trim() === tag) return true;
    } catch {
      // not a 9p device entry
    }
  }
  return false;
}

export interface ShareCopyOptions {
  sys: Sys;
  layout: TlsLayout;
  /** /sys/bus/virtio/drivers/9pnet_virtio */
  driverDir: string;
  mountPoint: string;
  tag?: string;
}

export class CertShareError extends OdError {}

/**
 * Copies client/{ca,cert,key}.pem to the share's top level (what DOCKER_CERT_PATH
 * wants). Returns false when there is no share. The key keeps mode 0600: with
 * security_model=none QEMU applies the guest's chmod to the host file.
 */
export async function copyClientCertificates(options: ShareCopyOptions): Promise<boolean> {
  const tag = options.tag ?? certShareTag;
  if (!hasVirtioShare(options.driverDir, tag)) return false;
  mkdirSync(options.mountPoint, { recursive: true, mode: 0o700 });
  try {
    options.sys.mount(tag, options.mountPoint, '9p', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'trans=virtio,version=9p2000.L');
  } catch (cause) {
    throw new CertShareError(`cannot mount the ${tag} share: ${(cause as Error).message}`, { cause });
  }
  try {
    const { client } = options.layout;
    for (const [from, name, mode] of [
      [client.ca, 'ca.pem', certMode],
      [client.cert, 'cert.pem', certMode],
      [client.key, 'key.pem', keyMode],
    ] as const) {
      const data = await readOptional(from);
      if (data === undefined) throw new CertShareError(`${from} is missing`);
      const to = join(options.mountPoint, name);
      // An unchanged file is left alone: its host copy keeps its time, and a client
      // reading it at that moment never sees it replaced.
      if ((await readOptional(to)) !== data) await writeFileAtomic(to, data, mode);
    }
  } finally {
    try {
      options.sys.umount2(options.mountPoint, 0);
    } catch {
      // left mounted: harmless, and shutdown unmounts everything
    }
  }
  return true;
}
