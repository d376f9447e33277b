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
import { mountDockerDisk } from './steps/mount-docker-disk.ts';
import { loadBundledImages } from './steps/load-bundled-images.ts';
import { configureNetwork } from './steps/configure-network.ts';
import { runDhcp } from './steps/run-dhcp.ts';
import { startConsole } from './steps/start-console.ts';
import { startHostShell } from './steps/start-host-shell.ts';
import { prepareTls, refreshTls } from './steps/remote-api-tls.ts';

/** The boot, in order. Steps never call each other; they share the BootContext. */
export const bootPlan: readonly Step[] = [
  mountPseudoFilesystems,
  readConfig,
  startLogging,
  protectInit,
  loadModules,
  setHostname,
  loopbackUp,
  // Before anything writes to /root, /var/log or /var/lib/docker: they may come from the disk.
  mountDockerDisk,
  startHostShell,
  createBridge,
  // After the DOCKER disk is mounted (the certificates live there), before dockerd reads them.
  prepareTls,
  startDockerd,
  loadBundledImages,
  configureNetwork,
  runDhcp,
  // Once the addresses are known; before the console, which a dockerd restart would disturb.
  refreshTls,
  startConsole,
];
