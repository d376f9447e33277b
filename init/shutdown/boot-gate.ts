import type { PlanStep } from '../runner.ts';

/**
 * A shutdown may be asked for while the boot is still running. The gate wraps the boot
 * plan's steps: once the shutdown signal is aborted, the steps that have not started
 * are skipped, and the shutdown waits for the one in progress (`settled`) so that it
 * does not pull the disk out from under a mke2fs or an e2fsck.
 */
export class BootGate {
  readonly #signal: AbortSignal;
  #inFlight: Promise<unknown> | undefined;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  wrap<C>(plan: readonly PlanStep<C>[]): PlanStep<C>[] {
    return plan.map((step) => ({
      name: step.name,
      required: step.required,
      run: (ctx: C) => {
        if (this.#signal.aborted) return { skipped: `shutting down (${String(this.#signal.reason)})` };
        const running = Promise.resolve().then(() => step.run(ctx));
        this.#inFlight = running;
        return running.finally(() => {
          if (this.#inFlight === running) this.#inFlight = undefined;
        });
      },
    }));
  }

  /** Resolves when no boot step is running (at once when none is). */
  async settled(): Promise<void> {
    while (this.#inFlight) {
      try {
        await this.#inFlight;
      } catch {
        // its failure is the boot's to report
      }
    }
  }
}
