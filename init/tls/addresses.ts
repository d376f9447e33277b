// The names and addresses the server certificate must carry: the ones a client can
// use to reach this machine's dockerd.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { canonicalIp, isLinkLocal } from './ip-address.ts';

/** Always named: a forwarded port (QEMU's hostfwd, an SSH tunnel) arrives as localhost. */
export const loopbackNames = ['localhost', '127.0.0.1', '::1'] as const;

/**
 * Interfaces whose addresses are left out. User-defined Docker networks (`br-…`) come
 * and go with `docker network create`, and naming them would replace the certificate
 * (and restart dockerd) at the next boot after each one; a container on any of them
 * reaches dockerd through docker0's gateway address, which stays the same. veth ends
 * never carry addresses on the host side.
 */
const ignoredInterface = /^(br-[0-9a-f]+|veth.*)$/;

/**
 * Every address of the machine a client could connect to, in one spelling each,
 * sorted: IPv4 and IPv6 of every interface, loopback included, link-local left out (an
 * IPv6 link-local address needs a zone, `%eth0`, which a certificate cannot name, and
 * IPv4 link-local is a fallback that changes). Node lists only interfaces that are up
 * with a carrier: docker0 counts once a container is attached to it, which is also
 * when something can connect through it.
 */
export function machineAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const found = new Set<string>();
  for (const [name, infos] of Object.entries(interfaces)) {
    if (ignoredInterface.test(name)) continue;
    for (const info of infos ?? []) {
      if (isLinkLocal(info.address)) continue;
      found.add(canonicalIp(info.address));
    }
  }
  return [...found].sort();
}

/** The DNS names for the server certificate: the host name first (it becomes the CN). */
export function serverDnsNames(hostname: string): string[] {
  return [...new Set([hostname.toLowerCase(), 'localhost'])];
}

/** The IP addresses for the server certificate: loopback, then the machine's. */
export function serverAddresses(machine: readonly string[]): string[] {
  return [...new Set([canonicalIp('127.0.0.1'), canonicalIp('::1'), ...machine.map(canonicalIp)])];
}
