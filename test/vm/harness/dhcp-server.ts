// A DHCP server for VM tests that hands out what a test tells it to, hostile values
// included, on a private virtual network: QEMU's `-netdev dgram` backend sends each
// Ethernet frame the guest transmits as one UDP datagram on the host's loopback and
// takes every datagram it receives as a frame for the guest (dgramNetdevArgs). So the
// whole network is this process: no bridge, tap or host interface is touched, and the
// guest's NIC sees only what is built here.
//
// It speaks just enough for busybox udhcpc (the DHCP image's client): DISCOVER gets an
// OFFER, REQUEST an ACK (or a NAK), each built whole (Ethernet, IPv4, UDP, BOOTP and
// options) and broadcast, since udhcpc reads its answers from a raw packet socket before
// it has an address and checks both checksums there; and ARP requests for the server's
// own address are answered, so that a renewal (unicast from the guest's kernel to the
// server) can leave.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const IPPROTO_UDP = 17;
const SERVER_PORT = 67;
const CLIENT_PORT = 68;
const BOOTREQUEST = 1;
const BOOTREPLY = 2;
/** RFC 2131: the options field starts with these four bytes. */
const MAGIC_COOKIE = 0x63825363;
/** op .. file: the fixed BOOTP part before the magic cookie (RFC 951). */
const BOOTP_FIXED = 236;
/** BOOTP's smallest message; real servers pad up to it, and some clients expect it. */
const BOOTP_MIN = 300;
const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;
const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/**
 * The largest IPv4 packet a DHCP client is sure to take (RFC 2131: 576 bytes). udhcpc
 * reads its raw socket into a buffer of about that size (plus a build-time slack) and
 * drops a packet that did not fit whole, so an answer above it may never arrive.
 */
export const MAX_SAFE_DHCP_IP_BYTES = 576;

export const MessageType = { discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8 } as const;

/** Option codes used here (RFC 2132). */
export const Option = {
  pad: 0,
  subnetMask: 1,
  router: 3,
  dns: 6,
  hostname: 12,
  domain: 15,
  mtu: 26,
  ntp: 42,
  requestedIp: 50,
  leaseTime: 51,
  messageType: 53,
  serverId: 54,
  message: 56,
  end: 255,
} as const;

/** One option as it goes on the wire; data longer than 255 bytes is split (RFC 3396). */
export interface RawOption {
  code: number;
  data: Buffer;
}

/** What the server hands out in an OFFER and ACK. Strings are sent byte for byte (latin1): escapes stay raw. */
export interface LeaseValues {
  clientIp: string;
  subnetMask: string;
  routers: string[];
  dns: string[];
  /** Seconds, 0 to 2^32-1. */
  leaseSeconds: number;
  hostname?: string;
  domain?: string;
  mtu?: number;
  /** Further options, sent as they are after the ones above (wrong lengths and all). */
  extra?: RawOption[];
}

export interface DhcpServerSettings {
  serverIp: string;
  serverMac: string;
  lease: LeaseValues;
  /** When set, every REQUEST gets a NAK with this message (option 56) instead of an ACK; DISCOVERs still get OFFERs. */
  nakMessage?: string;
}

// --- addresses ---------------------------------------------------------------------

export function ipv4Bytes(address: string): Buffer {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(octets);
}

export const ipv4Text = (bytes: Buffer, at = 0): string => [...bytes.subarray(at, at + 4)].join('.');

export function macBytes(mac: string): Buffer {
  const bytes = Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
  if (bytes.length !== 6 || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new Error(`not a MAC address: ${mac}`);
  return bytes;
}

export const macText = (bytes: Buffer, at = 0): string => [...bytes.subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');

// --- checksums ---------------------------------------------------------------------

/** The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words. */
export function internetChecksum(...parts: Buffer[]): number {
  const data = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i]! << 8) | (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** UDP's checksum covers a pseudo header of the IPv4 addresses; 0 means "none", so a computed 0 is sent as 0xffff. */
function udpChecksum(srcIp: Buffer, dstIp: Buffer, udp: Buffer): number {
  const pseudo = Buffer.alloc(12);
  srcIp.copy(pseudo, 0);
  dstIp.copy(pseudo, 4);
  pseudo[9] = IPPROTO_UDP;
  pseudo.writeUInt16BE(udp.length, 10);
  return internetChecksum(pseudo, udp) || 0xffff;
}

// --- building ----------------------------------------------------------------------

/** Options on the wire: each as code, length, data; a value over 255 bytes as several options of the same code (RFC 3396). */
export function encodeOptions(options: readonly RawOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const { code, data } of options) {
    for (let at = 0; at === 0 || at < data.length; at += 255) {
      const piece = data.subarray(at, at + 255);
      parts.push(Buffer.from([code, piece.length]), piece);
    }
  }
  parts.push(Buffer.from([Option.end]));
  return Buffer.concat(parts);
}

export interface BootpFields {
  op: number;
  xid: number;
  chaddr: Buffer;
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  options: readonly RawOption[];
}

/** A BOOTP message with DHCP options, padded to BOOTP's 300 bytes. */
export function buildBootp(fields: BootpFields): Buffer {
  const options = encodeOptions(fields.options);
  const message = Buffer.alloc(Math.max(BOOTP_MIN, BOOTP_FIXED + 4 + options.length));
  message[0] = fields.op;
  message[1] = 1; // htype: Ethernet
  message[2] = 6; // hlen
  message.writeUInt32BE(fields.xid >>> 0, 4);
  message.writeUInt16BE(fields.flags ?? 0, 10);
  ipv4Bytes(fields.ciaddr ?? '0.0.0.0').copy(message, 12);
  ipv4Bytes(fields.yiaddr ?? '0.0.0.0').copy(message, 16);
  ipv4Bytes(fields.siaddr ?? '0.0.0.0').copy(message, 20);
  ipv4Bytes(fields.giaddr ?? '0.0.0.0').copy(message, 24);
  fields.chaddr.copy(message, 28, 0, 16);
  message.writeUInt32BE(MAGIC_COOKIE, BOOTP_FIXED);
  options.copy(message, BOOTP_FIXED + 4);
  return message;
}

/** Who a UDP datagram in an Ethernet frame is from and to. */
export interface UdpAddressing {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
}

export interface UdpFrameFields extends UdpAddressing {
  payload: Buffer;
  /** IPv4 identification. */
  id?: number;
}

/** An Ethernet frame carrying one IPv4 UDP datagram, both checksums filled in. */
export function buildUdpFrame(fields: UdpFrameFields): Buffer {
  const srcIp = ipv4Bytes(fields.srcIp);
  const dstIp = ipv4Bytes(fields.dstIp);
  const udp = Buffer.alloc(UDP_HEADER + fields.payload.length);
  udp.writeUInt16BE(fields.srcPort, 0);
  udp.writeUInt16BE(fields.dstPort, 2);
  udp.writeUInt16BE(udp.length, 4);
  fields.payload.copy(udp, UDP_HEADER);
  udp.writeUInt16BE(udpChecksum(srcIp, dstIp, udp), 6);

  const ip = Buffer.alloc(IPV4_HEADER);
  ip[0] = 0x45; // version 4, 20-byte header: udhcpc refuses IP options
  ip.writeUInt16BE(IPV4_HEADER + udp.length, 2);
  ip.writeUInt16BE((fields.id ?? 0) & 0xffff, 4);
  ip[8] = 64; // TTL
  ip[9] = IPPROTO_UDP;
  srcIp.copy(ip, 12);
  dstIp.copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);

  const ethernet = Buffer.alloc(ETHERNET_HEADER);
  macBytes(fields.dstMac).copy(ethernet, 0);
  macBytes(fields.srcMac).copy(ethernet, 6);
  ethernet.writeUInt16BE(ETHERTYPE_IPV4, 12);
  return Buffer.concat([ethernet, ip, udp]);
}

// --- parsing -----------------------------------------------------------------------

export interface DhcpMessage extends UdpAddressing {
  /** The IPv4 packet's length (header and all), as a client's buffer must hold it. */
  ipLength: number;
  op: number;
  xid: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  chaddr: Buffer;
  type: number | undefined;
  /** Each option's data, same-code options joined (RFC 3396). */
  options: Map<number, Buffer>;
}

/** Options from code to data; undefined when one runs past the end (a client drops such a packet). */
export function parseOptions(area: Buffer): Map<number, Buffer> | undefined {
  const options = new Map<number, Buffer>();
  for (let at = 0; at < area.length; ) {
    const code = area[at]!;
    if (code === Option.end) break;
    if (code === Option.pad) {
      at++;
      continue;
    }
    const length = area[at + 1];
    if (length === undefined || at + 2 + length > area.length) return undefined;
    const data = area.subarray(at + 2, at + 2 + length);
    options.set(code, Buffer.concat([options.get(code) ?? Buffer.alloc(0), data]));
    at += 2 + length;
  }
  return options;
}

/** A DHCP message in an Ethernet frame (IPv4, UDP to port 67 or 68, BOOTP with the cookie); undefined for anything else. */
export function parseDhcpFrame(frame: Buffer): DhcpMessage | undefined {
  if (frame.length < ETHERNET_HEADER + IPV4_HEADER + UDP_HEADER || frame.readUInt16BE(12) !== ETHERTYPE_IPV4) return undefined;
  const ip = frame.subarray(ETHERNET_HEADER);
  const headerLength = (ip[0]! & 0x0f) * 4;
  const ipLength = ip.readUInt16BE(2);
  if (ip[0]! >> 4 !== 4 || headerLength < IPV4_HEADER || ip[9] !== IPPROTO_UDP || ipLength > ip.length) return undefined;
  const udp = ip.subarray(headerLength, ipLength);
  if (udp.length < UDP_HEADER) return undefined;
  const dstPort = udp.readUInt16BE(2);
  if (dstPort !== SERVER_PORT && dstPort !== CLIENT_PORT) return undefined;
  const bootp = udp.subarray(UDP_HEADER, udp.readUInt16BE(4));
  if (bootp.length < BOOTP_FIXED + 4 || bootp.readUInt32BE(BOOTP_FIXED) !== MAGIC_COOKIE) return undefined;
  const options = parseOptions(bootp.subarray(BOOTP_FIXED + 4));
  if (!options) return undefined;
  return {
    dstMac: macText(frame, 0),
    srcMac: macText(frame, 6),
    srcIp: ipv4Text(ip, 12),
    dstIp: ipv4Text(ip, 16),
    srcPort: udp.readUInt16BE(0),
    dstPort,
    ipLength,
    op: bootp[0]!,
    xid: bootp.readUInt32BE(4),
    flags: bootp.readUInt16BE(10),
    ciaddr: ipv4Text(bootp, 12),
    yiaddr: ipv4Text(bootp, 16),
    chaddr: Buffer.from(bootp.subarray(28, 44)),
    type: options.get(Option.messageType)?.[0],
    options,
  };
}

// --- answering ---------------------------------------------------------------------

const u32 = (value: number): Buffer => {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(value >>> 0);
  return data;
};
const u16 = (value: number): Buffer => {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(value & 0xffff);
  return data;
};
const addresses = (list: readonly string[]): Buffer => Buffer.concat(list.map(ipv4Bytes));

/** The options of an OFFER or ACK: message type and server id first, as clients look for them. */
function leaseOptions(type: number, settings: DhcpServerSettings): RawOption[] {
  const { lease } = settings;
  const options: RawOption[] = [
    { code: Option.messageType, data: Buffer.from([type]) },
    { code: Option.serverId, data: ipv4Bytes(settings.serverIp) },
    { code: Option.leaseTime, data: u32(lease.leaseSeconds) },
    { code: Option.subnetMask, data: ipv4Bytes(lease.subnetMask) },
  ];
  if (lease.routers.length) options.push({ code: Option.router, data: addresses(lease.routers) });
  if (lease.dns.length) options.push({ code: Option.dns, data: addresses(lease.dns) });
  if (lease.hostname !== undefined) options.push({ code: Option.hostname, data: Buffer.from(lease.hostname, 'latin1') });
  if (lease.domain !== undefined) options.push({ code: Option.domain, data: Buffer.from(lease.domain, 'latin1') });
  if (lease.mtu !== undefined) options.push({ code: Option.mtu, data: u16(lease.mtu) });
  return [...options, ...(lease.extra ?? [])];
}

export interface Answer {
  kind: 'offer' | 'ack' | 'nak' | 'arp';
  frame: Buffer;
  /** What was asked: discover, request or arp. */
  asked: 'discover' | 'request' | 'arp';
  /** The guest's MAC address. */
  client: string;
}

/** The reply to a DHCP client's message, broadcast (the client may have no address yet). */
function dhcpAnswer(request: DhcpMessage, settings: DhcpServerSettings, id: number): Answer | undefined {
  if (request.op !== BOOTREQUEST || request.dstPort !== SERVER_PORT) return undefined;
  let kind: Answer['kind'];
  let options: RawOption[];
  if (request.type === MessageType.discover) {
    kind = 'offer';
    options = leaseOptions(MessageType.offer, settings);
  } else if (request.type === MessageType.request) {
    // The address asked for: option 50 while selecting, ciaddr when renewing.
    const asked = request.options.get(Option.requestedIp);
    const wanted = asked?.length === 4 ? ipv4Text(asked) : request.ciaddr;
    const refusal = settings.nakMessage ?? (wanted === settings.lease.clientIp ? undefined : `${wanted} is not yours`);
    kind = refusal === undefined ? 'ack' : 'nak';
    options =
      refusal === undefined
        ? leaseOptions(MessageType.ack, settings)
        : [
            { code: Option.messageType, data: Buffer.from([MessageType.nak]) },
            { code: Option.serverId, data: ipv4Bytes(settings.serverIp) },
            { code: Option.message, data: Buffer.from(refusal, 'latin1') },
          ];
  } else {
    return undefined;
  }
  const bootp = buildBootp({
    op: BOOTREPLY,
    xid: request.xid,
    chaddr: request.chaddr,
    flags: request.flags,
    ciaddr: kind === 'nak' ? '0.0.0.0' : request.ciaddr,
    yiaddr: kind === 'nak' ? '0.0.0.0' : settings.lease.clientIp,
    options,
  });
  const frame = buildUdpFrame({
    srcMac: settings.serverMac,
    dstMac: BROADCAST_MAC,
    srcIp: settings.serverIp,
    dstIp: '255.255.255.255',
    srcPort: SERVER_PORT,
    dstPort: CLIENT_PORT,
    payload: bootp,
    id,
  });
  return { kind, frame, asked: request.type === MessageType.discover ? 'discover' : 'request', client: request.srcMac };
}

/** The ARP reply when the frame asks who has the server's address; undefined otherwise. */
export function arpAnswer(frame: Buffer, settings: DhcpServerSettings): Buffer | undefined {
  if (frame.length < ETHERNET_HEADER + 28 || frame.readUInt16BE(12) !== ETHERTYPE_ARP) return undefined;
  const arp = frame.subarray(ETHERNET_HEADER, ETHERNET_HEADER + 28);
  // Ethernet/IPv4, 6- and 4-byte addresses, operation 1 (request), for our address.
  if (arp.readUInt16BE(0) !== 1 || arp.readUInt16BE(2) !== ETHERTYPE_IPV4 || arp[4] !== 6 || arp[5] !== 4 || arp.readUInt16BE(6) !== 1) return undefined;
  if (ipv4Text(arp, 24) !== settings.serverIp) return undefined;
  const ours = macBytes(settings.serverMac);
  const reply = Buffer.alloc(60); // the shortest Ethernet frame, padded as a NIC would
  arp.subarray(8, 14).copy(reply, 0); // to the asker
  ours.copy(reply, 6);
  reply.writeUInt16BE(ETHERTYPE_ARP, 12);
  arp.copy(reply, ETHERNET_HEADER, 0, 6); // hardware and protocol types and sizes
  reply.writeUInt16BE(2, ETHERNET_HEADER + 6); // operation 2: reply
  ours.copy(reply, ETHERNET_HEADER + 8);
  ipv4Bytes(settings.serverIp).copy(reply, ETHERNET_HEADER + 14);
  arp.copy(reply, ETHERNET_HEADER + 18, 8, 18); // the asker's MAC and address
  return reply;
}

/** What the server says to one frame from the guest: a DHCP answer, an ARP reply, or nothing. */
export function answerFrame(frame: Buffer, settings: DhcpServerSettings, id = 0): Answer | undefined {
  const arp = arpAnswer(frame, settings);
  if (arp) return { kind: 'arp', asked: 'arp', frame: arp, client: macText(frame, 6) };
  const request = parseDhcpFrame(frame);
  return request && dhcpAnswer(request, settings, id);
}

// --- the server ----------------------------------------------------------------------

export interface DhcpServer {
  /** The UDP port on 127.0.0.1 QEMU must send the guest's frames to (its remote.port). */
  readonly port: number;
  /** Every answer sent, in order (for a test's diagnostics and waits). */
  readonly answers: readonly Omit<Answer, 'frame'>[];
  /** How many answers of a kind were sent. */
  count(kind: Answer['kind']): number;
  /** Changes what is handed out from the next answer on (a test's second phase). */
  configure(change: Partial<DhcpServerSettings>): void;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port) for frames from QEMU and answers to
 * the address each came from, which is QEMU's local.port: no second port to agree on.
 */
export async function startDhcpServer(initial: DhcpServerSettings, port = 0): Promise<DhcpServer> {
  let settings = { ...initial };
  const socket: Socket = createSocket('udp4');
  const answers: Omit<Answer, 'frame'>[] = [];
  let id = 0;
  socket.on('message', (frame, peer) => {
    const answer = answerFrame(frame, settings, ++id);
    if (!answer) return;
    const { frame: reply, ...record } = answer;
    answers.push(record);
    socket.send(reply, peer.port, peer.address);
  });
  socket.bind(port, '127.0.0.1');
  await Promise.race([once(socket, 'listening'), once(socket, 'error').then(([error]) => Promise.reject(error as Error))]);
  return {
    port: socket.address().port,
    answers,
    count: (kind) => answers.filter((a) => a.kind === kind).length,
    configure(change) {
      settings = { ...settings, ...change };
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port on 127.0.0.1 that nothing is bound to now, for QEMU's local.port. */
export async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * QEMU arguments for a guest whose only NIC (virtio, eth0) is wired to the server:
 * QEMU binds 127.0.0.1:`qemuPort` and sends every frame to the server's port. A
 * `-netdev` in qemuArgs also keeps the harness from adding its user-mode NIC.
 */
export function dgramNetdevArgs(serverPort: number, qemuPort: number, mac = '52:54:00:12:34:56'): string[] {
  return [
    '-netdev',
    `dgram,id=hostile,local.type=inet,local.host=127.0.0.1,local.port=${qemuPort},remote.type=inet,remote.host=127.0.0.1,remote.port=${serverPort}`,
    '-device',
    `virtio-net-pci,netdev=hostile,mac=${mac}`,
  ];
}

// --- hostile values ------------------------------------------------------------------

/** Terminal escapes a hostile server puts in its strings: clear the screen, retitle the window (OSC ... BEL). */
export const CLEAR_SCREEN = '\x1b[2J';
export const RETITLE = '\x1b]0;pwned\x07';
/** A carriage return followed by text that would overwrite the start of a printed line. */
export const OVERWRITE = '\rSPOOFED';

/** Shell that must never run: a reboot, and a file created in the client's /tmp. */
export const HOSTILE_HOSTNAME = `od$(reboot)\`touch /tmp/pwned\`;reboot${CLEAR_SCREEN}${RETITLE}${OVERWRITE}`;
export const HOSTILE_DOMAIN = `evil.test;$(touch /tmp/pwned)\`reboot\`${RETITLE}${CLEAR_SCREEN}${OVERWRITE}`;
export const HOSTILE_NAK_MESSAGE = `${CLEAR_SCREEN}${RETITLE}NAK from a hostile server${OVERWRITE}\x1b[0m`;

/**
 * A lease built to hurt: shell and escapes in the host and domain names, an MTU of 68
 * (the IPv4 minimum, which cripples every connection), thirty-two DNS servers (a
 * resolver reads three), the longest lease there is, and a time-server option whose
 * length is no multiple of four, and a router outside the subnet (the kernel refuses
 * the route; the client keeps the rest of the lease). Kept under MAX_SAFE_DHCP_IP_BYTES
 * (checked by the unit test).
 */
export function hostileLease(clientIp = '192.168.77.50', router = '203.0.113.1'): LeaseValues {
  return {
    clientIp,
    subnetMask: '255.255.255.0',
    routers: [router],
    dns: Array.from({ length: 32 }, (_, i) => `198.51.100.${i + 1}`),
    leaseSeconds: 2 ** 32 - 1,
    hostname: HOSTILE_HOSTNAME,
    domain: HOSTILE_DOMAIN,
    mtu: 68,
    extra: [{ code: Option.ntp, data: Buffer.from([192, 0, 2, 1, 192, 0, 2, 2, 0xff, 0xff]) }],
  };
}
