// Which ports of the running containers the host should forward: the published ones
// (a host port in the VM) that the VM's own network reaches. QEMU's user network
// connects a forward to the guest's address, so a binding on the guest's loopback
// (`-p 127.0.0.1:80:80`) is not reachable from there and is left out.
import type { ContainerSummary } from '../docker/containers.ts';
import { canonicalIp } from '../tls/ip-address.ts';

export type ForwardProtocol = 'tcp' | 'udp';

export interface PublishedPort {
  protocol: ForwardProtocol;
  port: number;
}

const unspecified = new Set(['', '0.0.0.0', '::']);

const ipv6Loopback = canonicalIp('::1');

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || canonicalIp(ip) === ipv6Loopback;
}

/** Bindings on every address, or on an address of the machine other than loopback. */
export function reachableBinding(ip: string | undefined): boolean {
  if (ip === undefined || unspecified.has(ip)) return true;
  return !isLoopback(ip);
}

/**
 * The published TCP and UDP ports, each once (Docker lists a port bound on 0.0.0.0 and
 * on :: twice), sorted by protocol then number. SCTP has no QEMU forward: left out.
 */
export function publishedPorts(containers: readonly ContainerSummary[]): PublishedPort[] {
  const found = new Map<string, PublishedPort>();
  for (const container of containers) {
    for (const entry of container.Ports ?? []) {
      if (!entry.PublicPort || (entry.Type !== 'tcp' && entry.Type !== 'udp')) continue;
      if (!reachableBinding(entry.IP)) continue;
      found.set(`${entry.Type}:${entry.PublicPort}`, { protocol: entry.Type, port: entry.PublicPort });
    }
  }
  return [...found.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}
