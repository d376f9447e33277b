// Which records go into the system image and which stay in the initrd's first segment,
// and the links that make every path of the image answer at its own path once the init
// has mounted it (contract/initrd-layout.ts SYSTEM_IMAGE_MOUNT).
import { posix } from 'node:path';
import { BUSYBOX_PATH, initrdRecordPath } from '../../contract/initrd-layout.ts';
import { RecordTree } from '../cpio/record-tree.ts';
import { symlink, type InitrdRecord, type SymlinkRecord } from '../cpio/records.ts';
import { OdError } from '../../contract/errors.ts';

export class SystemImageSplitError extends OdError {}

/**
 * A packaged path that stays in the first segment: busybox, which the host shell, the
 * emergency shell and the benchmark's shell init run when the image could not be
 * mounted; and configuration under /etc, which belongs with the rest of /etc.
 */
export function staysInFirstSegment(path: string): boolean {
  const archivePath = initrdRecordPath(path);
  return archivePath === initrdRecordPath(BUSYBOX_PATH) || archivePath === 'etc' || archivePath.startsWith('etc/');
}

/** The merged-/usr links of the base tree, so the image's tree places `/bin/x` in `usr/bin/x` as the first one does. */
export function systemTreeFor(first: RecordTree): RecordTree {
  const tree = new RecordTree();
  for (const name of ['bin', 'sbin', 'lib', 'lib64']) {
    const link = first.get(name);
    if (link?.kind !== 'symlink') continue;
    // With its target, so the image has no dangling link of its own.
    const target = first.get(posix.join(posix.dirname(name), link.target));
    if (target?.kind === 'dir') tree.add(target);
    tree.add(link);
  }
  return tree;
}

/**
 * The links to put in the first segment: for each entry of the image missing there, a
 * link at its path to the same path under the mount point, made at the highest missing
 * directory (one link for all of /usr/libexec, not one per plug-in). A directory link
 * matters beyond counts: a bind mount of such a directory into a container (the CLI
 * plug-ins into the console) resolves to the image's directory, whose contents need no
 * link that would point outside the container.
 */
export function systemImageLinks(first: RecordTree, system: RecordTree, mountPoint: string): SymlinkRecord[] {
  const mount = initrdRecordPath(mountPoint);
  const links: SymlinkRecord[] = [];
  const linked: string[] = [];
  for (const record of system.records()) {
    if (linked.some((dir) => record.path.startsWith(`${dir}/`))) continue;
    const existing = first.get(record.path);
    if (existing) {
      // Directories both have (usr/bin) and the shared merged-/usr links are fine; the same
      // file in both would be two copies, and a different one a conflict.
      if ((existing.kind === 'dir' && record.kind === 'dir') || (existing.kind === 'symlink' && record.kind === 'symlink' && existing.target === record.target)) continue;
      throw new SystemImageSplitError(`/${record.path} is in the first segment and in the system image`);
    }
    const target = posix.relative(posix.dirname(`/${record.path}`), `/${mount}/${record.path}`);
    links.push(symlink(record.path, target));
    if (record.kind === 'dir') linked.push(record.path);
  }
  return links;
}

/** Splits records into those of the first segment and those of the image (after the base tree is in `first`). */
export function splitRecords(records: readonly InitrdRecord[]): { first: InitrdRecord[]; system: InitrdRecord[] } {
  const first: InitrdRecord[] = [];
  const system: InitrdRecord[] = [];
  for (const record of records) (staysInFirstSegment(record.path) ? first : system).push(record);
  return { first, system };
}
