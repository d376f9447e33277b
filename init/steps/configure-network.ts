import { mkdir } from 'node:fs/promises';
import type { Step } from '../context.ts';
import { netConfigured } from '../../contract/events.ts';
import { waitForInterface } from '../net/interfaces.ts';
import { renderResolvConf, writeFileAtomic } from '../net/resolv-conf.ts';
import { resolvConfPath } from '../net/lease-resolv-conf.ts';
import { applyStaticAddress, staticAddressCommands } from '../net/static-address.ts';
import { formatIpv4Cidr } from '../net/ipv4-cidr.ts';

/** How long a NIC driver may still be probing after the modules were loaded. */
const interfaceWaitMs = 10_000;

/**
 * A static IPv4 address from the command line (od.net.address, od.net.gateway,
 * od.net.dns) instead of DHCP: configured with netlink through busybox `ip`, and
 * resolv.conf written where the DHCP client would write it, so /etc/resolv.conf
 * (a link there) is right either way.
 */
export const configureNetwork: Step = {
  name: 'configureNetwork',
  required: false,
  async run(ctx) {
    const net = ctx.config.net;
    if (!net.address) {
      if (net.gateway || net.dns.length) ctx.console.warn('od.net.gateway and od.net.dns apply only with od.net.address; ignored');
      return { skipped: 'no od.net.address' };
    }
    const started = performance.now();
    const iface = await waitForInterface(ctx.paths.sysClassNet, net.interface, interfaceWaitMs);
    await applyStaticAddress(ctx.paths.busybox, staticAddressCommands(iface, net.address, net.gateway));
    await mkdir(ctx.paths.netStateDir, { recursive: true });
    await writeFileAtomic(resolvConfPath(ctx.paths.netStateDir), renderResolvConf(net.dns));
    ctx.console.event(netConfigured(iface, net.address.ip, performance.now() - started));
    ctx.console.info(
      `${iface}: static ${formatIpv4Cidr(net.address)}${net.gateway ? ` via ${net.gateway}` : ', no default route'}, ` +
        `${net.dns.length ? `DNS ${net.dns.join(', ')}` : 'no DNS server'} (od.net.*; no DHCP)`,
    );
  },
};
