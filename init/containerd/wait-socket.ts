import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OdError } from '../../contract/errors.ts';

/** A daemon's socket did not accept a connection in time, or the daemon went away. */
export class SocketNotReadyError extends OdError {}

/** One connection attempt: true when the socket accepted it. */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until a unix socket accepts connections: containerd listens on its gRPC socket
 * only once its plugins are loaded, so an accepted connection means it serves. Polls
 * (the socket file may appear, vanish and reappear as an old one is removed);
 * `signal` ends the wait when the daemon died.
 */
export async function waitForSocket(path: string, options: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted) throw new SocketNotReadyError(`stopped waiting for ${path}: ${String(options.signal.reason)}`);
    if (await accepts(path)) return;
    if (performance.now() >= deadline) throw new SocketNotReadyError(`${path} accepted no connection within ${options.timeoutMs / 1000} s`);
    await sleep(options.intervalMs ?? 100);
  }
}
