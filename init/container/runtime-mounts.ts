// The mounts dockerd needs inside a container that the container runtime may not have
// made, as the upstream dind script adds them: securityfs, where AppArmor's profiles are
// loaded (dockerd loads its docker-default profile when the host has AppArmor), and a
// tmpfs on /tmp when the image left /tmp on its root filesystem (overlay on overlay for
// every temporary file dockerd and BuildKit write).
import { existsSync } from 'node:fs';
import { describeError } from '../../contract/errors.ts';
import { parseMountInfo } from '../storage/mountinfo.ts';

export interface RuntimeMount {
  target: string;
  fstype: string;
  source: string;
  /** mount(2) data. */
  data: string | null;
  why: string;
}

const securityfs: RuntimeMount = { target: '/sys/kernel/security', fstype: 'securityfs', source: 'securityfs', data: null, why: "AppArmor's profiles" };
const tmp: RuntimeMount = { target: '/tmp', fstype: 'tmpfs', source: 'tmpfs', data: 'mode=1777', why: 'temporary files off the image layer' };

/** What to mount: those of the two whose target is not a mount point yet (securityfs only where the kernel has the directory). */
export function missingRuntimeMounts(mountinfoText: string, exists: (path: string) => boolean = existsSync): RuntimeMount[] {
  const mounted = new Set(parseMountInfo(mountinfoText).map((mount) => mount.mountPoint));
  return [securityfs, tmp].filter((mount) => !mounted.has(mount.target) && (mount !== securityfs || exists(mount.target)));
}

/** Mounts them; a failure is a warning (dockerd runs without AppArmor, or with /tmp on the layer). */
export function addRuntimeMounts(
  mounts: readonly RuntimeMount[],
  mount: (source: string, target: string, fstype: string, flags: number, data: string | null) => void,
  log: { info(message: string): void; warn(message: string): void },
): void {
  for (const entry of mounts) {
    try {
      mount(entry.source, entry.target, entry.fstype, 0, entry.data);
      log.info(`mounted ${entry.fstype} on ${entry.target} (${entry.why})`);
    } catch (error) {
      log.warn(`cannot mount ${entry.fstype} on ${entry.target} (${entry.why}): ${describeError(error)}`);
    }
  }
}
