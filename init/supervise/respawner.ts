import { describeError } from '../runner.ts';
import type { Supervised } from './supervised.ts';

/** How one life of a supervised child ended. */
export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RespawnLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RespawnerOptions {
  /** For people: "console on ttyS0". */
  name: string;
  log: RespawnLog;
  /**
   * One life: resolves when it is over. Throws when it could not start at all (that
   * counts as a fast failure). The signal aborts when the respawner is stopped: the
   * child must then be ended.
   */
  runOnce(signal: AbortSignal): Promise<RunEnd>;
  /** Pause before a respawn after a life longer than healthyAfterMs. */
  minDelayMs?: number;
  /** The pause doubles after each short life, up to this. */
  maxDelayMs?: number;
  healthyAfterMs?: number;
  now?: () => number;
}

/** "850 ms", "12.3 s" */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeEnd(end: RunEnd): string {
  return end.signal ? `signal ${end.signal}` : `code ${end.code}`;
}

/**
 * Runs a child again whenever it ends, with a pause that grows while it keeps dying
 * young (a console image without a shell must not spin the CPU) and is short again
 * once a life was long (someone typed `exit`). Every end is reported on the console.
 */
export class Respawner implements Supervised {
  readonly name: string;
  readonly #options: Required<Omit<RespawnerOptions, 'name'>>;
  readonly #controller = new AbortController();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lives = 0;

  constructor(options: RespawnerOptions) {
    this.name = options.name;
    this.#options = {
      minDelayMs: 500,
      maxDelayMs: 30_000,
      healthyAfterMs: 10_000,
      now: () => performance.now(),
      ...options,
    };
  }

  /** How many lives have started. */
  get lives(): number {
    return this.#lives;
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the current pause now; nothing happens while a life is running. */
  retryNow(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#controller.abort(`${this.name}: stopped`);
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log, now, minDelayMs, maxDelayMs, healthyAfterMs } = this.#options;
    const signal = this.#controller.signal;
    let delay = minDelayMs;
    while (!signal.aborted) {
      const started = now();
      this.#lives++;
      let ended: string;
      try {
        const end = await this.#options.runOnce(signal);
        ended = `exited (${describeEnd(end)})`;
      } catch (error) {
        ended = `could not run: ${describeError(error)}`;
      }
      if (signal.aborted) break;
      const lived = now() - started;
      delay = lived >= healthyAfterMs ? minDelayMs : Math.min(maxDelayMs, Math.max(minDelayMs, delay * 2));
      const message = `${this.name} ${ended} after ${duration(lived)}; starting it again in ${duration(delay)}`;
      if (ended.startsWith('could not')) log.warn(message);
      else log.info(message);
      await this.#sleep(delay);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
