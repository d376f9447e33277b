// The time client: chronyd in a system container, from the bundled DHCP image (Debian's
// busybox-static has no ntpd applet), on the host's network and clock.
import { OdError } from '../../contract/errors.ts';
import type { ContainerSpec } from '../docker/containers.ts';
import { hostOrIpv4 } from '../config/user-config/user-config-values.ts';

export const ntpContainerName = 'ntp';

export class TimeServerNameError extends OdError {}

export interface NtpSpecOptions {
  /** The bundled DHCP image (bundledDhcpImage), which carries chronyd. */
  image: string;
  /** Host names or IPv4 addresses, at least one. */
  servers: readonly string[];
}

/**
 * `chronyd -d -u root DIRECTIVE...`: in the foreground, logging to stderr (the
 * container's life is the client's); directives on the command line instead of a
 * configuration file: each server with iburst (a first answer in seconds), `makestep 1
 * -1` (a VM's clock may be off by hours after a suspend: step it whenever it is more
 * than a second off, not only at start), `port 0` and `cmdport 0` (a client only: it
 * never listens, so no NET_BIND_SERVICE). `-u root`: the image has no _chrony user, and
 * dropping to one would need SETUID/SETGID. Host network: it must reach the servers as
 * the host does. The only capability is SYS_TIME, for adjtimex and settimeofday on the
 * host's clock (a container shares the kernel's clock; Docker's seccomp profile allows
 * those calls with that capability); chronyd parses packets from the network, so
 * nothing else. unless-stopped: dockerd restarts a client that crashed, not one a
 * person stopped.
 */
export function ntpContainerSpec(options: NtpSpecOptions): ContainerSpec {
  if (options.servers.length === 0) throw new TimeServerNameError('the time client needs at least one server');
  for (const server of options.servers) {
    // Checked again here, whatever the caller validated: a "server" with a space or a
    // leading "-" would be another directive or an option.
    if (!hostOrIpv4.safeParse(server).success) throw new TimeServerNameError(`not a host name or IPv4 address: ${JSON.stringify(server).slice(0, 80)}`);
  }
  return {
    Image: options.image,
    Entrypoint: ['chronyd'],
    Cmd: ['-d', '-u', 'root', ...options.servers.map((server) => `server ${server} iburst`), 'makestep 1 -1', 'port 0', 'cmdport 0', 'pidfile /run/chronyd.pid'],
    Labels: { 'io.only-docker.role': 'ntp' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['SYS_TIME'],
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}
