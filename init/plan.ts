import type { Step } from './context.ts';
import { createBridge } from './bridge/create-bridge.ts';
import { startLogging } from './logs/start-logging.ts';
import { loadModules } from './steps/load-modules.ts';
import { mountSystemImage } from './steps/mount-system-image.ts';
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
import { readUserConfig } from './steps/read-user-config.ts';
import { writeConfigFiles } from './steps/write-user-files.ts';
import { startServices } from './steps/start-services.ts';
import { configureInterfaces } from './steps/configure-interfaces.ts';
import { startTimeSync } from './steps/start-time-sync.ts';
import { joinSwarm } from './steps/join-swarm.ts';
import { startSshServer } from './steps/start-ssh-server.ts';
import { startHostShell } from './steps/start-host-shell.ts';
import { prepareTls, refreshTls } from './steps/remote-api-tls.ts';
import { startPortForwarding } from './forward/start-port-forwarding.ts';

/** The boot, in order. Steps never call each other; they share the BootContext. */
export const bootPlan: readonly Step[] = [
  mountPseudoFilesystems,
  readConfig,
  startLogging,
  protectInit,
  loadModules,
  // Docker's binaries, libraries and tools: everything after this runs from the image (loop and squashfs are loaded by now); skipped in the unpacked layout.
  mountSystemImage,
  loopbackUp,
  // Before anything writes to /root, /var/log or /var/lib/docker: they may come from the disk.
  mountDockerDisk,
  // The disk is one of its sources (modules for the others are loaded by now).
  readUserConfig,
  // The configuration may name the host.
  setHostname,
  writeConfigFiles,
  startHostShell,
  createBridge,
  // The configuration's other cards (a cluster's private segment): before dockerd, which
  // on a DOCKER disk holding a swarm reaches its managers through them as it starts.
  configureInterfaces,
  // After the DOCKER disk is mounted (the certificates live there), before dockerd reads them.
  prepareTls,
  startDockerd,
  loadBundledImages,
  configureNetwork,
  runDhcp,
  // Its servers may come from the lease; it never waits for the clock.
  startTimeSync,
  // Once the addresses are known; before the console, which a dockerd restart would disturb.
  refreshTls,
  // Tells run.sh which ports to forward, from the final dockerd on (refreshTls may restart it).
  startPortForwarding,
  startConsole,
  // After the consoles: a slow image pull never keeps a person from the prompt.
  startServices,
  startSshServer,
  // Last: a join that cannot reach its manager goes on in the background.
  joinSwarm,
];
