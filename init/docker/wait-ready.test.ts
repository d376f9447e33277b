import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerApiError, DockerClient } from './docker-client.ts';
import { DockerNotReadyError, waitForDocker } from './wait-ready.ts';

function socketDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'od-docker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake daemon: /_ping fails `failures` times with 503, then says OK. */
function fakeDaemon(socketPath: string, failures: number): Promise<{ server: Server; pings: () => number }> {
  let pings = 0;
  const server = createServer((req, res) => {
    if (req.url === '/_ping') {
      pings++;
      if (pings <= failures) {
        res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"message":"starting"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
      }
    } else if (req.url === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Version":"20.10.24+dfsg1","ApiVersion":"1.41"}');
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"page not found"}');
    }
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve({ server, pings: () => pings })));
}

test('retries until the daemon answers OK, then /version parses', async (t) => {
  const socketPath = join(socketDir(t), 'docker.sock');
  const { server, pings } = await fakeDaemon(socketPath, 3);
  t.after(() => server.close());
  const client = new DockerClient({ socketPath });
  const attempts = await waitForDocker(client, { timeoutMs: 5000, intervalMs: 10 });
  assert.equal(attempts, 4);
  assert.equal(pings(), 4);
  const version = await client.version();
  assert.equal(version.Version, '20.10.24+dfsg1');
  assert.equal(version.ApiVersion, '1.41');
});

test('waits for a socket that appears later', async (t) => {
  const socketPath = join(socketDir(t), 'docker.sock');
  let server: Server | undefined;
  t.after(() => server?.close());
  setTimeout(() => void fakeDaemon(socketPath, 0).then((d) => (server = d.server)), 150);
  const attempts = await waitForDocker(new DockerClient({ socketPath }), { timeoutMs: 5000, intervalMs: 20 });
  assert.ok(attempts > 1, `attempts ${attempts}`);
});

test('gives up after the timeout with the last error', async (t) => {
  const socketPath = join(socketDir(t), 'docker.sock');
  const started = Date.now();
  await assert.rejects(
    waitForDocker(new DockerClient({ socketPath }), { timeoutMs: 300, intervalMs: 50 }),
    (error: unknown) =>
      error instanceof DockerNotReadyError && error.attempts >= 2 && /within 0 s .*ENOENT/.test(error.message),
  );
  assert.ok(Date.now() - started < 2000);
});

test('stops at once when aborted (dockerd exited)', async (t) => {
  const socketPath = join(socketDir(t), 'docker.sock');
  const controller = new AbortController();
  setTimeout(() => controller.abort('dockerd exited with code 1'), 50);
  await assert.rejects(
    waitForDocker(new DockerClient({ socketPath }), { timeoutMs: 60_000, intervalMs: 1000, signal: controller.signal }),
    /stopped waiting for .*dockerd exited with code 1/,
  );
});

test('API errors carry the status and Docker message', async (t) => {
  const socketPath = join(socketDir(t), 'docker.sock');
  const { server } = await fakeDaemon(socketPath, 0);
  t.after(() => server.close());
  await assert.rejects(
    new DockerClient({ socketPath }).json('GET', '/nope'),
    (error: unknown) => error instanceof DockerApiError && error.status === 404 && error.message === 'GET /nope: 404 page not found',
  );
});
