// Runs the SSH server container and waits until it has listed its host keys.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from '../docker/docker-client.ts';
import { containerLogs, createContainer, inspectContainer, removeContainer, startContainer, type ContainerSpec } from '../docker/containers.ts';
import { parseHostKeyReport, type HostKey } from './host-key-report.ts';
import { sshContainerName } from './ssh-container.ts';

export type SshServerOutcome =
  | { status: 'ready'; id: string; hostKeys: HostKey[] }
  /** Its script ended (no dropbear in the image, a key that cannot be written): the last lines of its log. */
  | { status: 'exited'; id: string; log: string[] }
  | { status: 'timeout'; id: string; log: string[] };

export interface RunSshServerOptions {
  /** How long to wait for the host keys once the container has started. */
  timeoutMs: number;
  intervalMs?: number;
}

const apiCall = { timeoutMs: 30_000 };
const logLines = 50;

/**
 * Replaces the `ssh` container with one from `spec` and starts it. The server of the
 * last boot (a persistent disk: its restart policy brought it back with dockerd) may
 * run an older image or keys no longer configured: this boot's replaces it.
 */
export async function runSshServer(client: DockerClient, spec: ContainerSpec, options: RunSshServerOptions): Promise<SshServerOutcome> {
  await removeContainer(client, sshContainerName, { force: true, ...apiCall });
  const id = await createContainer(client, sshContainerName, spec, apiCall);
  await startContainer(client, id, apiCall);
  return waitForHostKeys(client, id, options);
}

/**
 * Polls the log for the host key report. A container that is not running, or that its
 * restart policy has started again, has failed: its script only ends on an error
 * (dropbear replaces it with exec).
 */
async function waitForHostKeys(client: DockerClient, id: string, options: RunSshServerOptions): Promise<SshServerOutcome> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const log = await containerLogs(client, id, logLines, apiCall);
    const hostKeys = parseHostKeyReport(log);
    if (hostKeys) return { status: 'ready', id, hostKeys };
    const container = await inspectContainer(client, id, apiCall);
    const failed = !container || container.State.Status !== 'running' || (container.RestartCount ?? 0) > 0;
    // The log again: the last lines may have come between the two calls.
    if (failed) return { status: 'exited', id, log: await containerLogs(client, id, logLines, apiCall).catch(() => log) };
    if (performance.now() + interval > deadline) return { status: 'timeout', id, log };
    await sleep(interval);
  }
}
