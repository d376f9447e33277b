import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from './docker-client.ts';
import { OdError } from '../../contract/errors.ts';

/** The daemon did not answer /_ping in time, or went away while we waited. */
export class DockerNotReadyError extends OdError {
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.attempts = attempts;
  }
}

export interface WaitReadyOptions {
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Longest a single /_ping may take. */
  attemptTimeoutMs?: number;
  /** Aborted when waiting is pointless (dockerd exited); its reason is reported. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Asks the API until it answers instead of sleeping a fixed time: under TCG dockerd
 * needs ~10 s, on KVM well under one, and the socket file appears before the daemon
 * serves on it, so only an answer counts. Resolves with the number of attempts made.
 */
export async function waitForDocker(client: DockerClient, options: WaitReadyOptions): Promise<number> {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 200;
  const attemptTimeout = options.attemptTimeoutMs ?? 2000;
  const deadline = now() + options.timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) {
      throw new DockerNotReadyError(`stopped waiting for ${client.socketPath}: ${String(options.signal.reason)}`, attempts, {
        cause: lastError,
      });
    }
    attempts++;
    try {
      const remaining = Math.max(1, deadline - now());
      const answer = await client.ping({ timeoutMs: Math.min(attemptTimeout, remaining), signal: options.signal });
      if (answer.trim() === 'OK') return attempts;
      lastError = new Error(`/_ping answered ${JSON.stringify(answer.slice(0, 80))}`);
    } catch (error) {
      lastError = error;
    }
    if (now() + interval > deadline) {
      const why = lastError instanceof Error ? lastError.message : String(lastError);
      throw new DockerNotReadyError(
        `no answer from ${client.socketPath} within ${Math.round(options.timeoutMs / 1000)} s (${attempts} attempts; last: ${why})`,
        attempts,
        { cause: lastError },
      );
    }
    try {
      await sleep(interval, undefined, { signal: options.signal });
    } catch {
      // aborted while sleeping: reported at the top of the loop
    }
  }
}
