// dockerd's listeners for the remote API (od.remote, od.remote.insecure).
import type { TlsLayout } from './layout.ts';

export const tlsPort = 2376;
export const insecurePort = 2375;

export interface RemoteConfig {
  /** od.remote=tls: the API on tcp/2376, TLS, clients must show a certificate of our CA. */
  tls: boolean;
  /** od.remote.insecure: the API on tcp/2375 without TLS: anyone who can connect is root. */
  insecure: boolean;
}

export interface RemoteArgs {
  args: string[];
  /** What the console must say about it (the insecure listener, one that was refused). */
  warnings: string[];
  /** The TCP listeners, for the console line: ["tcp://[::]:2376 (TLS, client certificates)"]. */
  listeners: string[];
}

/**
 * The flags that add the remote listeners. `-H` replaces dockerd's default socket, so
 * the unix socket the init and the console use is named again. `[::]` listens on IPv6
 * and IPv4 alike (Go falls back to IPv4 alone when the kernel has no IPv6), since the
 * server certificate names the IPv6 addresses too.
 *
 * dockerd has one TLS configuration for all its TCP listeners: a plain 2375 beside a
 * TLS 2376 is not something it can do. When both are asked for, TLS wins and the
 * console says why there is no 2375; a plain listener is never opened by accident.
 * `layout` is undefined when the certificates could not be made: then no TCP at all.
 */
export function remoteApiArgs(remote: RemoteConfig, layout: TlsLayout | undefined, socket: string): RemoteArgs {
  const unix = ['-H', `unix://${socket}`];
  if (remote.tls) {
    const warnings = remote.insecure
      ? [`od.remote.insecure ignored: dockerd applies TLS to every TCP listener, so with od.remote=tls there is no plain port ${insecurePort}`]
      : [];
    if (!layout) return { args: [], warnings: [...warnings, 'od.remote=tls: no certificates, so the remote API stays off (unix socket only)'], listeners: [] };
    return {
      args: [
        ...unix,
        '-H', `tcp://[::]:${tlsPort}`,
        '--tlsverify',
        `--tlscacert=${layout.server.ca}`,
        `--tlscert=${layout.server.cert}`,
        `--tlskey=${layout.server.key}`,
      ],
      warnings,
      listeners: [`tcp://[::]:${tlsPort} (TLS, client certificates required)`],
    };
  }
  if (remote.insecure) {
    return {
      args: [...unix, '-H', `tcp://[::]:${insecurePort}`],
      warnings: insecureWarning(),
      listeners: [`tcp://[::]:${insecurePort} (plain HTTP, no authentication)`],
    };
  }
  return { args: [], warnings: [], listeners: [] };
}

/** Loud on purpose: this is root on the machine for anyone on the network. */
export function insecureWarning(): string[] {
  const bar = '!'.repeat(72);
  return [
    bar,
    `!! od.remote.insecure: the Docker API is open on tcp port ${insecurePort} WITHOUT TLS`,
    '!! and without any authentication. Anyone who can reach this machine can',
    '!! run privileged containers, i.e. is root here. Use od.remote=tls instead.',
    bar,
  ];
}
