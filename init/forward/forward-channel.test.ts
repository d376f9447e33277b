import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChannelWriter, findVirtioPort, forwardPortName } from './forward-channel.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'od-forward-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the forward port is found by its name among the virtio ports', (t) => {
  const dir = tempDir(t);
  const ports = join(dir, 'virtio-ports');
  for (const [entry, name] of [['vport0p1', 'org.qemu.guest_agent.0'], ['vport1p1', `${forwardPortName}\n`], ['vport1p2', undefined]] as const) {
    mkdirSync(join(ports, entry), { recursive: true });
    if (name) writeFileSync(join(ports, entry, 'name'), name);
  }
  assert.equal(findVirtioPort(forwardPortName, { portsDir: ports, devDir: '/dev' }), '/dev/vport1p1');
  assert.equal(findVirtioPort('org.other', { portsDir: ports }), undefined);
  assert.equal(findVirtioPort(forwardPortName, { portsDir: join(dir, 'none') }), undefined);
});

test('lines are written whole, in order, to the device', (t) => {
  const file = join(tempDir(t), 'port');
  writeFileSync(file, '');
  const writer = new ChannelWriter(file);
  writer.send('docker 20.10.24 1.41');
  writer.send('ports tcp:80');
  writer.close();
  assert.equal(readFileSync(file, 'utf8'), 'docker 20.10.24 1.41\nports tcp:80\n');
  assert.throws(() => new ChannelWriter(join(file, 'missing')), { name: 'ForwardChannelError' });
});

test('a host that does not read never blocks the writer; once it reads, it gets the torn line whole, then only the newest', async (t) => {
  const fifo = join(tempDir(t), 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => closeSync(reader));
  const writer = new ChannelWriter(fifo, { retryMs: 20 });
  t.after(() => writer.close());
  // Longer than a pipe holds (64 KiB): the device takes a part and the rest waits.
  const big = `ports ${'x'.repeat(100_000)}`;
  writer.send(big);
  assert.equal(writer.waiting, true);
  writer.send('ports tcp:1');
  writer.send('ports tcp:2');
  let received = '';
  const buffer = Buffer.alloc(65536);
  for (let i = 0; i < 200 && !received.endsWith('ports tcp:2\n'); i++) {
    try {
      const n = readSync(reader, buffer);
      received += buffer.subarray(0, n).toString();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
    await sleep(10);
  }
  assert.equal(received, `${big}\nports tcp:2\n`);
  assert.equal(writer.waiting, false);
});
