import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { sntpAnswer, startSntpServer } from '../vm/harness/sntp-server.ts';

test('sntpAnswer: a server reply with the client transmit time as origin, and nothing for a non-client packet', () => {
  const request = Buffer.alloc(48);
  request[0] = (4 << 3) | 3;
  request.writeUInt32BE(0xdeadbeef, 40);
  const answer = sntpAnswer(request, Date.UTC(2026, 11, 2), Date.UTC(2026, 11, 2) + 1)!;
  assert.equal(answer[0]! & 0x7, 4);
  assert.equal(answer[1], 1);
  assert.equal(answer.readUInt32BE(24), 0xdeadbeef);
  assert.equal(answer.readUInt32BE(40) - 2_208_988_800, Date.UTC(2026, 11, 2) / 1000);
  assert.equal(sntpAnswer(Buffer.alloc(48), 0, 0), undefined);
});

test('startSntpServer answers a client on loopback with the host time', async (t) => {
  const server = await startSntpServer(0);
  t.after(() => server.close());
  const client = createSocket('udp4');
  t.after(() => client.close());
  const request = Buffer.alloc(48);
  request[0] = (4 << 3) | 3;
  client.send(request, server.port, '127.0.0.1');
  const [answer] = (await once(client, 'message')) as [Buffer];
  assert.ok(Math.abs(answer.readUInt32BE(40) - 2_208_988_800 - Date.now() / 1000) < 5);
  assert.equal(server.answered, 1);
});
