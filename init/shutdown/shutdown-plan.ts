import type { ShutdownStep } from './shutdown-plan-types.ts';
import { killRemaining } from './steps/kill-remaining.ts';
import { stopContainers } from './steps/stop-containers.ts';
import { stopDockerd } from './steps/stop-dockerd.ts';
import { stopContainerd } from './steps/stop-containerd.ts';
import { stopSupervision } from './steps/stop-supervision.ts';
import { syncFilesystems } from './steps/sync-filesystems.ts';
import { unmountDisk } from './steps/unmount-disk.ts';

/**
 * The shutdown, in order; the last act, reboot(2), belongs to the controller. Every step
 * is optional: a step that fails is reported and the next one still runs, because the
 * steps after it (sync, unmount) are the ones that keep the data.
 */
export const shutdownPlan: readonly ShutdownStep[] = [
  stopSupervision,
  stopContainers,
  stopDockerd,
  stopContainerd,
  killRemaining,
  syncFilesystems,
  unmountDisk,
];
