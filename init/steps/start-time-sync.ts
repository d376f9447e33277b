import { join } from 'node:path';
import { LEASE_FILE } from '../../contract/initrd-layout.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { ntpStarted } from '../../contract/events.ts';
import type { BootContext, Step } from '../context.ts';
import { createContainer, removeContainer, startContainer } from '../docker/containers.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { bundledDhcpImage } from '../net/dhcp-container.ts';
import { readLease, type Lease } from '../net/lease.ts';
import { chooseTimeServers } from '../ntp/time-servers.ts';
import { ntpContainerName, ntpContainerSpec } from '../ntp/ntp-container.ts';
import { initVersion } from '../version.ts';

export class TimeClientStartError extends OdError {}

/**
 * The time client (`ntp` container: chronyd) with the configuration's servers,
 * else the DHCP lease's, so that a VM whose clock drifts keeps TLS and clusters
 * working. Started and left to itself: the boot never waits for a first answer.
 * The servers are chosen once, at boot: a renewal that names other servers leaves
 * the running client as it is (they rarely change, and the next boot takes them).
 */
export const startTimeSync: Step = {
  name: 'startTimeSync',
  required: false,
  async run(ctx) {
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    // A client from the last boot (persistent disk; its restart policy brought it back
    // with dockerd) may have other servers, or be one this boot does not want at all.
    await removeContainer(client, ntpContainerName, { force: true, timeoutMs: 30_000 });
    const configured = ctx.config.user.ntp.servers;
    const choice = chooseTimeServers(configured, configured === null ? await currentLease(ctx) : undefined);
    if (!('from' in choice)) return { skipped: choice.reason };
    const spec = ntpContainerSpec({ image: bundledDhcpImage(initVersion), servers: choice.servers });
    const id = await createContainer(client, ntpContainerName, spec, { timeoutMs: 30_000 });
    try {
      await startContainer(client, id, { timeoutMs: 30_000 });
    } catch (cause) {
      // Not left behind: a container that never ran (an image without chronyd) would be
      // tried again by nobody, and only puzzle `docker ps -a`.
      await removeContainer(client, id, { force: true, timeoutMs: 30_000 });
      throw new TimeClientStartError(`the time client (chronyd in ${spec.Image}) did not start`, { cause });
    }
    ctx.console.event(ntpStarted(choice.servers, choice.from));
    const from = choice.from === 'lease' ? 'the DHCP lease' : 'the configuration';
    ctx.console.info(`time client started with ${choice.servers.join(', ')} (from ${from}; \`docker logs ntp\`)`);
  },
};

/** The lease runDhcp left, if any; a lease.json that is no lease counts as none, and says so. */
async function currentLease(ctx: BootContext): Promise<Lease | undefined> {
  try {
    return await readLease(join(ctx.paths.netStateDir, LEASE_FILE));
  } catch (error) {
    ctx.console.warn(`time servers of the DHCP lease not read: ${describeError(error)}`);
    return undefined;
  }
}
