// A time server for VM tests: answers SNTP requests (RFC 4330) on the host's loopback
// with the host's clock, so that a guest's time client (QEMU user networking sends the
// guest's 10.0.2.2:123 to the host's 127.0.0.1:123) has a real peer to sync from.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/** Seconds from 1900 (NTP's era) to 1970 (the Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;

function writeTimestamp(packet: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET;
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  packet.writeUInt32BE(seconds >>> 0, offset);
  packet.writeUInt32BE(fraction >>> 0, offset + 4);
}

/** The answer to one client request: stratum 1, the host's time, the client's transmit time echoed as origin. */
export function sntpAnswer(request: Buffer, receivedMs: number, nowMs: number): Buffer | undefined {
  if (request.length < 48 || (request[0]! & 0x7) !== 3) return undefined; // mode 3: client
  const answer = Buffer.alloc(48);
  const version = (request[0]! >> 3) & 0x7;
  answer[0] = (0 << 6) | (version << 3) | 4; // no leap warning, the client's version, mode 4: server
  answer[1] = 1; // stratum 1: a reference clock
  answer[2] = request[2]!; // poll
  answer[3] = 0xec; // precision 2^-20 s
  answer.write('LOCL', 12, 'ascii'); // reference id
  writeTimestamp(answer, 16, nowMs); // reference time
  request.copy(answer, 24, 40, 48); // originate = the client's transmit
  writeTimestamp(answer, 32, receivedMs);
  writeTimestamp(answer, 40, nowMs);
  return answer;
}

export interface SntpServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  /** How many requests were answered. */
  readonly answered: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port`; rejects when the port is taken (EADDRINUSE) or not allowed. */
export async function startSntpServer(port = 123): Promise<SntpServer> {
  const socket: Socket = createSocket('udp4');
  let answered = 0;
  socket.on('message', (request, peer) => {
    const answer = sntpAnswer(request, Date.now(), Date.now());
    if (!answer) return;
    answered++;
    socket.send(answer, peer.port, peer.address);
  });
  socket.bind(port, '127.0.0.1');
  await Promise.race([once(socket, 'listening'), once(socket, 'error').then(([error]) => Promise.reject(error as Error))]);
  return {
    port: socket.address().port,
    get answered() {
      return answered;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
