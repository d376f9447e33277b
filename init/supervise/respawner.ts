import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, OdError } from '../../contract/errors.ts';
import { Backoff, type BackoffPolicy } from './backoff.ts';
import { describeEnd, duration, type Life, type RunEnd } from './life.ts';
import type { Supervised } from './supervised.ts';

export interface RespawnLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A life that became ready after the one before it ended. */
export interface Restart<L> {
  /** Restarts since the last long life (1 after a life that was long, or a planned restart). */
  attempt: number;
  /** Restarts since the first life. */
  total: number;
  life: L;
  /** From the end of the life it replaces to this one being ready. */
  sinceExitMs: number;
}

export interface RespawnerOptions<L extends Life> {
  /** For people: "console on ttyS0", "dockerd". */
  name: string;
  log: RespawnLog;
  /**
   * Starts one life; throws when it cannot start at all. `signal` aborts when this life
   * is to end (stop(), restart()): the child must then be ended. Synchronous, so that a
   * life's readiness is being watched from the moment it exists; work that takes time
   * (a console's container) belongs in its `exited`.
   */
  spawn(signal: AbortSignal): L;
  /** Resolves once a life is ready (dockerd's API answers); rejects when it never is. Without it a life is ready once spawned. */
  ready?(life: L): Promise<void>;
  /**
   * Whether a life is already over though `exited` may not have settled yet (dockerd's
   * `gone`): a readiness that failed because the life died is no reason to end it.
   */
  isOver?(life: L): boolean;
  /** Ends a life on purpose; by default its signal is aborted and its end awaited. */
  end?(life: L, graceMs: number | undefined): Promise<unknown>;
  /**
   * The first life is the caller's: start() rejects when it cannot start or never gets
   * ready, and then nothing is respawned (dockerd: a failed boot step).
   */
  firstLifeRequired?: boolean;
  /**
   * With firstLifeRequired: how many first lives may be started before one is ready
   * (default 1). One that dies before it is ready is replaced at once while attempts
   * remain (dockerd 26 exits when its containerd is slow to answer on a busy machine);
   * one that is alive but never ready is not (that is ready()'s timeout, already long).
   */
  firstLifeAttempts?: number;
  /** A life for people: "dockerd (pid 113)"; the name by default. */
  label?(life: L): string;
  /** An end on its own is a problem (dockerd: warn) or someone typed exit (a shell: info). */
  exitLevel?: 'info' | 'warn';
  /** Say which attempt a respawn is. */
  showAttempt?: boolean;
  /** Every end that a new life follows, before the pause (dockerd's `exited` event). */
  onExit?(life: L, end: RunEnd): void;
  backoff?: Partial<BackoffPolicy>;
  now?: () => number;
}

/** restart() of a child that is not supervised (never ready, or stopped). */
export class RestartRefusedError extends OdError {}

interface Running<L> {
  life: L;
  controller: AbortController;
  startedAt: number;
  over: boolean;
}

/**
 * PID 1's one supervision loop (dockerd, the consoles, the VT2 shell, the emergency
 * shell): runs a child again whenever it ends, after the Backoff's pause, and says so on
 * the console. A life can have a readiness (a restart counts once it is ready, and is
 * then told to onRestarted listeners); restart() ends the current life on purpose and
 * starts the next at once, without a pause or a warning.
 */
export class Respawner<L extends Life = Life> implements Supervised {
  readonly name: string;
  readonly #o: RespawnerOptions<L>;
  readonly #now: () => number;
  readonly #backoff: Backoff;
  readonly #stopController = new AbortController();
  readonly #listeners = new Set<(restart: Restart<L>) => void>();
  #started: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #running: Running<L> | undefined;
  #planned: string | undefined;
  #wake: AbortController | undefined;
  #lives = 0;
  #total = 0;

  constructor(options: RespawnerOptions<L>) {
    this.name = options.name;
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#backoff = new Backoff({ minDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 10_000, firstAttempt: 1, ...options.backoff });
  }

  /** How many lives have started. */
  get lives(): number {
    return this.#lives;
  }

  /** Restarts that became ready. */
  get restarts(): number {
    return this.#total;
  }

  /** The latest life (it may have ended since). */
  get current(): L | undefined {
    return this.#running?.life;
  }

  get stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  /** True while lives that end are started again. */
  get restartEnabled(): boolean {
    return this.#loop !== undefined && !this.stopped;
  }

  /** Called after each restart once the new life is ready. Returns the unsubscribe. */
  onRestarted(listener: (restart: Restart<L>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the first life; with firstLifeRequired, resolves once it is ready. */
  start(): Promise<void> {
    this.#started ??= this.#begin();
    return this.#started;
  }

  /** Ends the current pause now; nothing happens while a life is running. */
  retryNow(): void {
    this.#wake?.abort();
  }

  /** Ends the current life on purpose and starts the next at once; resolves when that one is ready. */
  async restart(reason: string, options: { graceMs?: number } = {}): Promise<Restart<L>> {
    const running = this.#running;
    if (!this.restartEnabled || !running || running.over) {
      throw new RestartRefusedError(`cannot restart ${this.name} (${reason}): it is not supervised`);
    }
    this.#planned = reason;
    const back = new Promise<Restart<L>>((resolve) => {
      const off = this.onRestarted((restart) => {
        off();
        resolve(restart);
      });
    });
    await this.#end(running, options.graceMs);
    return back;
  }

  /** No more respawns; the current life keeps running. */
  disableRestart(): void {
    this.#stopController.abort(`${this.name}: stopped`);
    this.#wake?.abort();
  }

  /** No more respawns, and the current life is ended. Resolves once it is gone. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.disableRestart();
    const running = this.#running;
    if (running && !running.over) await this.#end(running, options.graceMs);
    await this.#loop;
  }

  async #begin(): Promise<void> {
    if (!this.#o.firstLifeRequired) {
      this.#loop = this.#run(undefined);
      return;
    }
    const attempts = this.#o.firstLifeAttempts ?? 1;
    let running: Running<L> | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        running = this.#spawn();
        await this.#o.ready?.(running.life);
        break;
      } catch (error) {
        const died = running !== undefined && (running.over || this.#o.isOver?.(running.life) === true);
        if (attempt >= attempts || !died || this.stopped) {
          this.disableRestart();
          throw error;
        }
        const label = this.#o.label?.(running!.life) ?? this.name;
        this.#o.log.warn(`${label} ended before it was ready (${describeError(error)}); starting it again (attempt ${attempt + 1} of ${attempts})`);
      }
    }
    if (!this.stopped) this.#loop = this.#run(running);
  }

  #spawn(): Running<L> {
    const controller = new AbortController();
    const startedAt = this.#now();
    const life = this.#o.spawn(controller.signal);
    this.#lives++;
    const running: Running<L> = { life, controller, startedAt, over: false };
    const over = () => void (running.over = true);
    life.exited.then(over, over);
    this.#running = running;
    return running;
  }

  async #run(first: Running<L> | undefined): Promise<void> {
    let running = first;
    let exitedAt: number | undefined;
    while (!this.stopped) {
      if (!running) {
        try {
          running = this.#spawn();
        } catch (error) {
          if (this.stopped) return;
          const delay = this.#backoff.next(0);
          this.#o.log.warn(`cannot start ${this.name}: ${describeError(error)}; trying again in ${duration(delay)}`);
          await this.#pause(delay);
          continue;
        }
        if (exitedAt !== undefined) await this.#whenReady(running, exitedAt);
      }
      let end: RunEnd | { error: unknown };
      try {
        end = await running.life.exited;
      } catch (error) {
        end = { error };
      }
      if (this.stopped) return;
      exitedAt = this.#now();
      await this.#pause(this.#ended(running, end, exitedAt - running.startedAt));
      running = undefined;
    }
  }

  /** Reports an end; returns the pause before the next life. */
  #ended(running: Running<L>, end: RunEnd | { error: unknown }, lived: number): number {
    const label = this.#o.label?.(running.life) ?? this.name;
    const planned = this.#planned;
    this.#planned = undefined;
    if ('error' in end) {
      const delay = this.#backoff.next(lived);
      this.#o.log.warn(`${label} could not run: ${describeError(end.error)} after ${duration(lived)}; starting it again in ${duration(delay)}`);
      return delay;
    }
    this.#o.onExit?.(running.life, end);
    if (planned !== undefined) {
      this.#o.log.info(`${label} ended (${describeEnd(end)}) to restart it: ${planned}`);
      return this.#backoff.planned();
    }
    const delay = this.#backoff.next(lived);
    const attempt = this.#o.showAttempt ? ` (attempt ${this.#backoff.attempt})` : '';
    const message = `${label} exited (${describeEnd(end)}) after ${duration(lived)}; starting it again in ${duration(delay)}${attempt}`;
    if (this.#o.exitLevel === 'warn') this.#o.log.warn(message);
    else this.#o.log.info(message);
    return delay;
  }

  /** A restarted life: once it is ready, tell the listeners; one that never gets ready is ended. */
  async #whenReady(running: Running<L>, exitedAt: number): Promise<void> {
    try {
      await this.#o.ready?.(running.life);
    } catch (error) {
      if (running.over || this.#o.isOver?.(running.life) || this.stopped) return; // the loop reports its end
      const label = this.#o.label?.(running.life) ?? this.name;
      this.#o.log.warn(`the restarted ${label} does not answer: ${describeError(error)}; ending it`);
      await this.#end(running, undefined);
      return;
    }
    if (running.over || this.stopped) return;
    this.#total++;
    const restart: Restart<L> = { attempt: this.#backoff.attempt, total: this.#total, life: running.life, sinceExitMs: this.#now() - exitedAt };
    for (const listener of this.#listeners) {
      try {
        listener(restart);
      } catch (error) {
        this.#o.log.warn(`after the restart of ${this.name}: ${describeError(error)}`);
      }
    }
  }

  async #end(running: Running<L>, graceMs: number | undefined): Promise<void> {
    running.controller.abort(`${this.name}: ended`);
    if (this.#o.end) await this.#o.end(running.life, graceMs);
    else await running.life.exited.catch(() => undefined);
  }

  async #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return;
    const wake = new AbortController();
    this.#wake = wake;
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([this.#stopController.signal, wake.signal]) });
    } catch {
      // woken early: retryNow() or a stop
    } finally {
      this.#wake = undefined;
    }
  }
}
