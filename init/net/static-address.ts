import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatIpv4Cidr, type Ipv4Cidr } from './ipv4-cidr.ts';
import { OdError } from '../../contract/errors.ts';

const run = promisify(execFile);

export class StaticAddressError extends OdError {}

/**
 * The `ip` commands (busybox's, which speaks netlink) that give the interface exactly
 * this address and default route: flush first, so a second run or an address left by
 * an earlier DHCP client does not add up. `broadcast +` derives the broadcast address
 * from the prefix, as the DHCP script gets it from the server.
 */
export function staticAddressCommands(iface: string, address: Ipv4Cidr, gateway: string | null): string[][] {
  const commands = [
    ['ip', 'link', 'set', 'dev', iface, 'up'],
    ['ip', 'addr', 'flush', 'dev', iface],
    ['ip', 'addr', 'add', formatIpv4Cidr(address), 'broadcast', '+', 'dev', iface],
  ];
  if (gateway) commands.push(['ip', 'route', 'replace', 'default', 'via', gateway, 'dev', iface]);
  return commands;
}

/**
 * Another card on a segment of its own (interfaces: in the configuration): its MTU
 * first, then its address as above, without a default route (the first card has it).
 */
export function interfaceAddressCommands(iface: string, address: Ipv4Cidr, mtu?: number): string[][] {
  const setMtu = mtu === undefined ? [] : [['ip', 'link', 'set', 'dev', iface, 'mtu', String(mtu)]];
  return [...setMtu, ...staticAddressCommands(iface, address, null)];
}

/** Runs the commands one after the other with busybox; the first failure stops and says which. */
export async function applyStaticAddress(busybox: string, commands: readonly string[][]): Promise<void> {
  for (const command of commands) {
    try {
      await run(busybox, command, { timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    } catch (cause) {
      const stderr = String((cause as { stderr?: unknown }).stderr ?? '').trim();
      throw new StaticAddressError(`${command.join(' ')}: ${stderr || (cause as Error).message}`, { cause });
    }
  }
}
