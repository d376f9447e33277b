import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import {
  answerFrame,
  arpAnswer,
  buildBootp,
  buildUdpFrame,
  dgramNetdevArgs,
  encodeOptions,
  HOSTILE_NAK_MESSAGE,
  hostileLease,
  ipv4Bytes,
  macBytes,
  MAX_SAFE_DHCP_IP_BYTES,
  MessageType,
  Option,
  parseDhcpFrame,
  parseOptions,
  startDhcpServer,
  type DhcpMessage,
  type DhcpServerSettings,
  type RawOption,
} from '../vm/harness/dhcp-server.ts';

const guestMac = '52:54:00:12:34:56';
const settings: DhcpServerSettings = { serverIp: '192.168.77.1', serverMac: '02:00:00:00:00:01', lease: hostileLease() };

/** A client's message as udhcpc sends it before it has an address: from 0.0.0.0:68, broadcast. */
function clientFrame(type: number, xid: number, options: RawOption[] = [], ciaddr = '0.0.0.0'): Buffer {
  const chaddr = Buffer.alloc(16);
  macBytes(guestMac).copy(chaddr);
  const bootp = buildBootp({ op: 1, xid, chaddr, ciaddr, options: [{ code: Option.messageType, data: Buffer.from([type]) }, ...options] });
  return buildUdpFrame({ srcMac: guestMac, dstMac: 'ff:ff:ff:ff:ff:ff', srcIp: ciaddr, dstIp: '255.255.255.255', srcPort: 68, dstPort: 67, payload: bootp });
}

/** The ones' complement sum of 16-bit words, folded: 0xffff over data that carries a right checksum. */
function onesSum(data: Buffer): number {
  const even = data.length % 2 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
  let sum = 0;
  for (let i = 0; i < even.length; i += 2) sum += even.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Checks both checksums of a frame by summing again what they cover, and returns the parsed message. */
function verifiedDhcp(frame: Buffer): DhcpMessage {
  const ip = frame.subarray(14, 34);
  assert.equal(onesSum(ip), 0xffff, 'IPv4 header checksum');
  const udp = frame.subarray(34, 14 + ip.readUInt16BE(2));
  // What udhcpc's raw socket insists on besides: a 20-byte IP header, a UDP length that is the rest.
  assert.equal(ip[0], 0x45);
  assert.equal(udp.readUInt16BE(4), ip.readUInt16BE(2) - 20);
  assert.notEqual(udp.readUInt16BE(6), 0, 'a UDP checksum is sent');
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17]), Buffer.from([udp.length >> 8, udp.length & 0xff])]);
  assert.equal(onesSum(Buffer.concat([pseudo, udp])), 0xffff, 'UDP checksum');
  const message = parseDhcpFrame(frame);
  assert.ok(message, 'a DHCP message');
  return message;
}

/** A socket in QEMU's place on loopback: sends a frame to the server and resolves with the frame it answers. */
async function fakeQemu(t: TestContext, serverPort: number): Promise<(frame: Buffer) => Promise<Buffer>> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.after(() => socket.close());
  return async (frame) => {
    const answered = once(socket, 'message', { signal: AbortSignal.timeout(5000) });
    socket.send(frame, serverPort, '127.0.0.1');
    return ((await answered) as [Buffer])[0];
  };
}

test('DISCOVER over loopback: a broadcast OFFER with right checksums and every value asked for, escapes raw', async (t) => {
  const server = await startDhcpServer(settings);
  t.after(() => server.close());
  const exchange = await fakeQemu(t, server.port);
  const offer = verifiedDhcp(await exchange(clientFrame(MessageType.discover, 0x1234abcd)));
  assert.equal(offer.dstMac, 'ff:ff:ff:ff:ff:ff');
  assert.equal(offer.srcMac, settings.serverMac);
  assert.equal(offer.dstIp, '255.255.255.255');
  assert.equal(offer.srcIp, '192.168.77.1');
  assert.deepEqual([offer.srcPort, offer.dstPort], [67, 68]);
  assert.equal(offer.op, 2);
  assert.equal(offer.xid, 0x1234abcd);
  assert.equal(offer.chaddr.subarray(0, 6).toString('hex'), '525400123456');
  assert.equal(offer.yiaddr, '192.168.77.50');
  assert.equal(offer.type, MessageType.offer);
  const o = offer.options;
  assert.deepEqual(o.get(Option.serverId), ipv4Bytes('192.168.77.1'));
  assert.equal(o.get(Option.leaseTime)?.readUInt32BE(), 2 ** 32 - 1);
  assert.deepEqual(o.get(Option.subnetMask), ipv4Bytes('255.255.255.0'));
  assert.deepEqual(o.get(Option.router), ipv4Bytes('203.0.113.1'));
  assert.equal(o.get(Option.dns)?.length, 32 * 4);
  assert.equal(o.get(Option.mtu)?.readUInt16BE(), 68);
  assert.equal(o.get(Option.hostname)?.toString('latin1'), settings.lease.hostname);
  assert.ok(o.get(Option.domain)?.includes('\x1b]0;pwned\x07'), 'the OSC sequence goes out raw');
  assert.equal(o.get(Option.ntp)?.length, 10, 'a time-server option that is no multiple of four');
  // udhcpc drops a packet bigger than its buffer: the hostile lease must still arrive.
  assert.ok(offer.ipLength <= MAX_SAFE_DHCP_IP_BYTES, `${offer.ipLength} bytes`);
  assert.deepEqual(server.answers, [{ kind: 'offer', asked: 'discover', client: guestMac }]);
});

test('REQUEST for the offered address gets an ACK; for another address a NAK; in NAK mode a NAK with the escapes raw', async (t) => {
  const server = await startDhcpServer(settings);
  t.after(() => server.close());
  const qemu = await fakeQemu(t, server.port);
  const exchange = async (frame: Buffer) => verifiedDhcp(await qemu(frame));
  const selecting = [
    { code: Option.requestedIp, data: ipv4Bytes('192.168.77.50') },
    { code: Option.serverId, data: ipv4Bytes('192.168.77.1') },
  ];

  const ack = await exchange(clientFrame(MessageType.request, 7, selecting));
  assert.equal(ack.type, MessageType.ack);
  assert.equal(ack.xid, 7);
  assert.equal(ack.yiaddr, '192.168.77.50');
  assert.equal(ack.options.get(Option.mtu)?.readUInt16BE(), 68);

  // A renewal names its address in ciaddr, not in option 50.
  const renewed = await exchange(clientFrame(MessageType.request, 8, [], '192.168.77.50'));
  assert.equal(renewed.type, MessageType.ack);

  const refused = await exchange(clientFrame(MessageType.request, 9, [{ code: Option.requestedIp, data: ipv4Bytes('10.0.2.15') }]));
  assert.equal(refused.type, MessageType.nak);
  assert.equal(refused.options.get(Option.message)?.toString('latin1'), '10.0.2.15 is not yours');

  server.configure({ nakMessage: HOSTILE_NAK_MESSAGE });
  const nak = await exchange(clientFrame(MessageType.request, 10, selecting));
  assert.equal(nak.type, MessageType.nak);
  assert.equal(nak.yiaddr, '0.0.0.0');
  // udhcpc takes a NAK only from the server it asked.
  assert.deepEqual(nak.options.get(Option.serverId), ipv4Bytes('192.168.77.1'));
  assert.equal(nak.options.get(Option.message)?.toString('latin1'), HOSTILE_NAK_MESSAGE);
  assert.equal(nak.options.has(Option.leaseTime), false);
  // A DISCOVER is still offered a lease, so the client goes on to a REQUEST and its NAK.
  assert.equal((await exchange(clientFrame(MessageType.discover, 11))).type, MessageType.offer);
  assert.deepEqual(
    server.answers.map((a) => a.kind),
    ['ack', 'ack', 'nak', 'nak', 'offer'],
  );
});

test('lease times 0 and 2^32-1, a router outside the subnet and a huge DNS list go out as given', () => {
  for (const leaseSeconds of [0, 2 ** 32 - 1]) {
    const lease = { ...hostileLease(), leaseSeconds, routers: ['10.99.0.1'], dns: Array.from({ length: 63 }, (_, i) => `198.51.100.${i}`), hostname: undefined, domain: undefined, extra: [] };
    const answer = answerFrame(clientFrame(MessageType.discover, 1), { ...settings, lease });
    const offer = verifiedDhcp(answer!.frame);
    assert.equal(offer.options.get(Option.leaseTime)?.readUInt32BE(), leaseSeconds);
    assert.deepEqual(offer.options.get(Option.router), ipv4Bytes('10.99.0.1'));
    assert.equal(offer.options.get(Option.dns)?.length, 252, 'the most one option can carry');
  }
});

test('an option over 255 bytes is split into options of the same code (RFC 3396) and joined when read', () => {
  const long = Buffer.alloc(300, 'a');
  const wire = encodeOptions([{ code: Option.domain, data: long }]);
  assert.deepEqual([wire[0], wire[1], wire[257], wire[258]], [Option.domain, 255, Option.domain, 45]);
  assert.equal(wire.at(-1), Option.end);
  assert.deepEqual(parseOptions(wire)?.get(Option.domain), long);
  // An option whose length runs past the end is no packet at all, as udhcpc sees it.
  assert.equal(parseOptions(Buffer.from([Option.hostname, 10, 0x41])), undefined);
});

test('ARP: who-has the server address is answered to the asker; other addresses and garbage get nothing', () => {
  const arpRequest = (target: string) => {
    const frame = Buffer.alloc(42);
    Buffer.from('ffffffffffff525400123456', 'hex').copy(frame);
    frame.writeUInt16BE(0x0806, 12);
    Buffer.from([0, 1, 8, 0, 6, 4, 0, 1]).copy(frame, 14);
    Buffer.from('525400123456', 'hex').copy(frame, 22);
    ipv4Bytes('192.168.77.50').copy(frame, 28);
    ipv4Bytes(target).copy(frame, 38);
    return frame;
  };
  const reply = arpAnswer(arpRequest('192.168.77.1'), settings)!;
  assert.equal(reply.subarray(0, 6).toString('hex'), '525400123456');
  assert.equal(reply.subarray(6, 12).toString('hex'), '020000000001');
  assert.equal(reply.readUInt16BE(12), 0x0806);
  assert.equal(reply.readUInt16BE(20), 2, 'an ARP reply');
  assert.equal(reply.subarray(22, 28).toString('hex'), '020000000001');
  assert.deepEqual(reply.subarray(28, 32), ipv4Bytes('192.168.77.1'));
  assert.equal(reply.subarray(32, 38).toString('hex'), '525400123456');
  assert.deepEqual(reply.subarray(38, 42), ipv4Bytes('192.168.77.50'));
  assert.equal(answerFrame(arpRequest('192.168.77.2'), settings), undefined);

  for (const garbage of [Buffer.alloc(0), Buffer.alloc(13), Buffer.alloc(60), clientFrame(MessageType.discover, 1).subarray(0, 200), clientFrame(MessageType.release, 1)]) {
    assert.equal(answerFrame(garbage, settings), undefined);
  }
  const ownAnswer = answerFrame(clientFrame(MessageType.discover, 1), settings)!.frame;
  assert.equal(answerFrame(ownAnswer, settings), undefined, 'a reply is never answered');
});

test('dgramNetdevArgs wires one virtio NIC to the server over loopback', () => {
  assert.deepEqual(dgramNetdevArgs(4000, 4001), [
    '-netdev',
    'dgram,id=hostile,local.type=inet,local.host=127.0.0.1,local.port=4001,remote.type=inet,remote.host=127.0.0.1,remote.port=4000',
    '-device',
    'virtio-net-pci,netdev=hostile,mac=52:54:00:12:34:56',
  ]);
});
