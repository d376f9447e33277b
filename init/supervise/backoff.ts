/**
 * How long to wait before a child that ended is started again: the pause doubles with
 * each life shorter than healthyAfterMs (a console image without a shell, a dockerd
 * that cannot start, must not spin the CPU) up to maxDelayMs, and is back to
 * minDelayMs after a long life (someone typed `exit`; a crash after days).
 */
export interface BackoffPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  healthyAfterMs: number;
  /**
   * The attempt the first life counts as. 0: its short end is attempt 1, paused
   * minDelayMs (dockerd, the emergency shell). 1: the first start already counts, so a
   * first short end pauses twice minDelayMs (a console).
   */
  firstAttempt?: number;
}

export class Backoff {
  readonly #policy: BackoffPolicy;
  #attempt: number;

  constructor(policy: BackoffPolicy) {
    this.#policy = policy;
    this.#attempt = policy.firstAttempt ?? 0;
  }

  /** Restarts since the last long life (1 after a life that was long). */
  get attempt(): number {
    return this.#attempt;
  }

  /** A life of livedMs ended on its own: the pause before the next one. */
  next(livedMs: number): number {
    const { minDelayMs, maxDelayMs, healthyAfterMs } = this.#policy;
    this.#attempt = livedMs >= healthyAfterMs ? 1 : this.#attempt + 1;
    return Math.min(maxDelayMs, minDelayMs * 2 ** (this.#attempt - 1));
  }

  /** A life ended on purpose (a planned restart): no pause, and it counts as a first restart. */
  planned(): number {
    this.#attempt = 1;
    return 0;
  }
}
