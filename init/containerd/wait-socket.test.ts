import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withTempDir } from '../../test/helpers/temp-dir.ts';
import { SocketNotReadyError, waitForSocket } from './wait-socket.ts';

test('a socket is ready once it accepts a connection, not when its file appears', async () => {
  await withTempDir('od-socket-', async (dir) => {
    const path = join(dir, 'containerd.sock');
    const server = createServer((connection) => connection.destroy());
    const listening = new Promise<void>((resolve) => setTimeout(() => server.listen(path, resolve), 300));
    const started = performance.now();
    await waitForSocket(path, { timeoutMs: 5000, intervalMs: 20 });
    assert.ok(performance.now() - started >= 250, 'it waited for the listener');
    await listening;
    server.close();
  });
});

test('the wait ends with a named error on timeout and when the daemon is gone', async () => {
  await withTempDir('od-socket-', async (dir) => {
    const path = join(dir, 'none.sock');
    await assert.rejects(waitForSocket(path, { timeoutMs: 100, intervalMs: 20 }), (error: Error) => error instanceof SocketNotReadyError && /none\.sock accepted no connection within 0\.1 s/.test(error.message));
    const gone = AbortSignal.abort('containerd exited (code 1)');
    await assert.rejects(waitForSocket(path, { timeoutMs: 5000, signal: gone }), /stopped waiting for .*: containerd exited \(code 1\)/);
  });
});
