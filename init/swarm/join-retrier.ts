// Keeps trying to bring the node into its swarm after the boot gave up waiting (the
// manager may boot later than this node, or be away for a while): with a growing pause,
// saying a new error once rather than every attempt, and its success. Kept in
// ctx.supervised, so the shutdown stops it like the consoles.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../contract/errors.ts';
import { Backoff, type BackoffPolicy } from '../supervise/backoff.ts';
import type { Supervised } from '../supervise/supervised.ts';
import type { SwarmMember } from './swarm-membership.ts';

/** 5 s, doubling to a minute: soon after a manager that boots a little later, quiet after. */
export const joinRetryPolicy: Pick<BackoffPolicy, 'minDelayMs' | 'maxDelayMs'> = { minDelayMs: 5_000, maxDelayMs: 60_000 };

export interface JoinRetrierOptions {
  /** One attempt; resolves once the node is a member, rejects otherwise. */
  attempt(signal: AbortSignal): Promise<SwarmMember>;
  /** An attempt failed with an error unlike the last one. */
  onNewError(message: string): void;
  onMember(member: SwarmMember): void;
  /** The error the boot's own attempt ended with: not said again. */
  lastError: string;
  policy?: Pick<BackoffPolicy, 'minDelayMs' | 'maxDelayMs'>;
}

export class JoinRetrier implements Supervised {
  readonly name = 'swarm join';
  readonly #options: JoinRetrierOptions;
  readonly #abort = new AbortController();
  #running: Promise<void> = Promise.resolve();

  constructor(options: JoinRetrierOptions) {
    this.#options = options;
  }

  start(): void {
    this.#running = this.#loop();
  }

  /** Resolves when the node is a member, or the retrier was stopped. */
  get done(): Promise<void> {
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const { signal } = this.#abort;
    // Every attempt is a short "life": the pause only grows, up to the maximum.
    const backoff = new Backoff({ ...(this.#options.policy ?? joinRetryPolicy), healthyAfterMs: Number.POSITIVE_INFINITY });
    let lastError = this.#options.lastError;
    while (!signal.aborted) {
      try {
        await sleep(backoff.next(0), undefined, { signal });
        this.#options.onMember(await this.#options.attempt(signal));
        return;
      } catch (error) {
        if (signal.aborted) return;
        const message = describeError(error);
        if (message !== lastError) this.#options.onNewError(message);
        lastError = message;
      }
    }
  }
}
