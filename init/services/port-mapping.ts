// A published port as `docker run -p` spells it: [hostIp:]hostPort:containerPort[/proto],
// or containerPort[/proto] alone (Docker picks the host port). The one parser of that
// syntax: the configuration's schema validates `services[].ports` with it, and the
// service's container is created from what it returns.

export interface PortMapping {
  /** '' = every address (Docker's default). */
  hostIp: string;
  /** '' = Docker chooses a free port. */
  hostPort: string;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

/** A port number 1-65535 written in decimal, or undefined. */
export const parsePort = (text: string): number | undefined => {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= 65535 ? value : undefined;
};

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIpv4 = (text: string): boolean => {
  const parts = ipv4.exec(text);
  return parts !== null && parts.slice(1).every((p) => Number(p) <= 255);
};

/** The mapping, or undefined when `text` is not one. */
export function parsePortMapping(text: string): PortMapping | undefined {
  const [ports, protocol = 'tcp', extra] = text.split('/');
  if (extra !== undefined || (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp')) return undefined;
  const parts = ports!.split(':');
  if (parts.length > 3) return undefined;
  const containerPort = parsePort(parts[parts.length - 1]!);
  if (containerPort === undefined) return undefined;
  const hostPort = parts.length >= 2 ? parts[parts.length - 2]! : '';
  if (hostPort !== '' && parsePort(hostPort) === undefined) return undefined;
  const hostIp = parts.length === 3 ? parts[0]! : '';
  if (parts.length === 3 && !isIpv4(hostIp)) return undefined;
  return { hostIp, hostPort, containerPort, protocol };
}
