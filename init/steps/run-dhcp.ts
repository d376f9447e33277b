import { LEASE_FILE } from '../../contract/initrd-layout.ts';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../context.ts';
import { containerLogs, createContainer, removeContainer, startContainer } from '../docker/containers.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { dhcpBound, dhcpTimeout } from '../../contract/events.ts';
import { bundledDhcpImage, dhcpContainerName, dhcpContainerSpec } from '../net/dhcp-container.ts';
import { describeLease, waitForLease } from '../net/lease.ts';
import { followLease, renderLeaseResolvConf, resolvConfPath } from '../net/lease-resolv-conf.ts';
import { writeFileAtomic } from '../net/resolv-conf.ts';
import { initVersion } from '../version.ts';

/**
 * The network through the bundled DHCP container (host network, NET_ADMIN), then a
 * wait for its first lease, because the console must be created after it: Docker
 * copies /etc/resolv.conf into a container when it creates it. Without an answer in
 * od.dhcp.timeout the boot goes on and says so; the client keeps trying.
 */
export const runDhcp: Step = {
  name: 'runDhcp',
  required: false,
  async run(ctx) {
    const net = ctx.config.net;
    if (net.address) return { skipped: 'static address from od.net.address' };
    if (!net.dhcp) return { skipped: 'od.dhcp=off: the network is left as it is' };
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const stateDir = ctx.paths.netStateDir;
    const leasePath = join(stateDir, LEASE_FILE);
    await mkdir(stateDir, { recursive: true, mode: 0o755 });
    // A client from the last boot (persistent disk; its restart policy brought it back
    // with dockerd) may be of an older release: this boot's image replaces it.
    await removeContainer(client, dhcpContainerName, { force: true, timeoutMs: 30_000 });
    await rm(leasePath, { force: true });
    const spec = dhcpContainerSpec({ image: bundledDhcpImage(initVersion), iface: net.interface, stateDir, hostname: ctx.config.hostname });
    const id = await createContainer(client, dhcpContainerName, spec, { timeoutMs: 30_000 });
    const started = performance.now();
    await startContainer(client, id, { timeoutMs: 30_000 });

    const lease = await waitForLease(leasePath, { timeoutMs: net.dhcpTimeoutMs });
    const ms = performance.now() - started;
    if (lease) {
      const resolvConf = resolvConfPath(stateDir);
      await writeFileAtomic(resolvConf, renderLeaseResolvConf(lease));
      followLease({ leasePath, resolvConf, warn: (m) => ctx.console.warn(m) }, lease);
      ctx.console.event(dhcpBound(lease.interface, lease.ip, ms));
      ctx.console.info(`DHCP on ${lease.interface}: ${describeLease(lease)} (${(ms / 1000).toFixed(1)} s)`);
      return;
    }
    ctx.console.event(dhcpTimeout(net.interface, ms));
    ctx.console.warn(
      `no DHCP lease on ${net.interface} within ${net.dhcpTimeoutMs / 1000} s (od.dhcp.timeout): going on without network. ` +
        'The client keeps asking (`docker logs dhcp`); a console started before the lease keeps the old resolv.conf until you exit it.',
    );
    try {
      for (const line of await containerLogs(client, id, 5, { timeoutMs: 10_000 })) ctx.console.info(`dhcp: ${line}`);
    } catch {
      // the logs are a hint only
    }
  },
};
