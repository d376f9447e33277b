import type { Step } from './context.ts';
import { createBridge } from './bridge/create-bridge.ts';
import { startLogging } from './logs/start-logging.ts';
import { loadModules } from './steps/load-modules.ts';
import { loopbackUp } from './steps/loopback-up.ts';
import { mountPseudoFilesystems } from './steps/mount-pseudo-filesystems.ts';
import { protectInit } from './steps/protect-init.ts';
import { readConfig } from './steps/read-config.ts';
import { setHostname } from './steps/set-hostname.ts';
import { startDockerd } from './steps/start-dockerd.ts';

/** The boot, in order. Steps never call each other; they share the BootContext. */
export const bootPlan: readonly Step[] = [
  mountPseudoFilesystems,
  readConfig,
  startLogging,
  protectInit,
  loadModules,
  setHostname,
  loopbackUp,
  createBridge,
  startDockerd,
];
