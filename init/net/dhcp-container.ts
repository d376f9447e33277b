// The DHCP container as images/dhcp/README.md says to run it.
import type { ContainerSpec } from '../docker/containers.ts';

export const dhcpContainerName = 'dhcp';

export function bundledDhcpImage(version: string): string {
  return `only-docker/dhcp:${version}`;
}

export interface DhcpSpecOptions {
  image: string;
  iface: string;
  stateDir: string;
  hostname?: string;
}

/**
 * Host network and NET_ADMIN to configure the real interface, and nothing more than the
 * client needs: NET_RAW for udhcpc's packet socket, NET_BIND_SERVICE for its UDP port
 * 68 (on the host network no sysctl opens low ports). Every other capability is
 * dropped: the client parses packets from the network as root. The state directory
 * mounted at the same path so lease.json lands on the host. Restart
 * policy unless-stopped: the daemon restarts a crashed client (leases keep being
 * renewed) but leaves it stopped when a person stopped it on purpose.
 */
export function dhcpContainerSpec(options: DhcpSpecOptions): ContainerSpec {
  return {
    Image: options.image,
    Env: [
      `DHCP_INTERFACE=${options.iface}`,
      `DHCP_STATE_DIR=${options.stateDir}`,
      ...(options.hostname ? [`DHCP_HOSTNAME=${options.hostname}`] : []),
    ],
    Labels: { 'io.only-docker.role': 'dhcp' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN', 'NET_RAW', 'NET_BIND_SERVICE'],
      Binds: [`${options.stateDir}:${options.stateDir}`],
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}
