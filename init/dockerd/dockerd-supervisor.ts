import { describeError } from '../runner.ts';
import { dockerdExited, dockerdRestarted, type DockerdEvent } from './dockerd-events.ts';
import type { DockerdExit, DockerdHandle } from './spawn-dockerd.ts';

export interface DockerdSupervisorLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface DockerdRestart {
  /** Restarts since the last long life (1 after a dockerd that had run a while). */
  attempt: number;
  /** Restarts since boot. */
  total: number;
  handle: DockerdHandle;
}

export interface DockerdSupervisorOptions {
  /** Starts one dockerd (its log, limits and oom score included). Throws when it cannot. */
  spawn(): DockerdHandle;
  /** Resolves once the API answers; rejects on timeout or when the handle's `gone` aborts. */
  waitReady(handle: DockerdHandle): Promise<void>;
  emit(event: DockerdEvent): void;
  log: DockerdSupervisorLog;
  /** Pause before the first restart after a long life; doubles per quick death. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A dockerd that lived this long resets the backoff. */
  healthyAfterMs?: number;
  /** SIGTERM first, SIGKILL after this (stop(), a restarted dockerd that never answered). */
  graceMs?: number;
  now?: () => number;
}

/**
 * Keeps dockerd running after the boot: when it exits (a crash, `kill -9` from the
 * console) it is started again after a pause that doubles while it keeps dying young
 * (1 s, 2 s, 4 s... up to 30 s) and is short again after a long life. dockerd itself
 * brings back the containers with a restart policy when it starts (no --live-restore:
 * the old ones are stopped and restarted by their policy).
 *
 * The first start belongs to the boot: if it does not become ready, start() throws and
 * nothing is restarted (a required step failed; the emergency shell is the answer).
 *
 * Shutdown calls stop() (or disableRestart() then stops dockerd its own way) before it
 * stops anything else, so that no dockerd is started behind its back.
 */
export class DockerdSupervisor {
  readonly #o: Required<Omit<DockerdSupervisorOptions, 'now'>> & { now: () => number };
  readonly #listeners = new Set<(restart: DockerdRestart) => void>();
  readonly #stopController = new AbortController();
  #current: DockerdHandle | undefined;
  #startedAt = 0;
  #restartEnabled = false;
  #attempt = 0;
  #total = 0;
  #delay: NodeJS.Timeout | undefined;
  /** Why the current dockerd is being ended on purpose (restart()); its exit is no failure. */
  #planned: string | undefined;
  #wakeDelay: (() => void) | undefined;

  constructor(options: DockerdSupervisorOptions) {
    this.#o = {
      minDelayMs: 1000,
      maxDelayMs: 30_000,
      healthyAfterMs: 60_000,
      graceMs: 10_000,
      now: () => performance.now(),
      ...options,
    };
  }

  /** The running (or starting) dockerd. */
  get current(): DockerdHandle | undefined {
    return this.#current;
  }

  get restarts(): number {
    return this.#total;
  }

  get restartEnabled(): boolean {
    return this.#restartEnabled;
  }

  /** Called after each restart once the API answers again (consoles reattach, for one). */
  onRestarted(listener: (restart: DockerdRestart) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The boot's dockerd: started, and once it answers, watched and restarted when it dies. */
  async start(): Promise<DockerdHandle> {
    if (this.#current) throw new Error('dockerd supervisor already started');
    const handle = this.#spawn();
    // A failure is thrown as it is: it already says why (no answer in time, dockerd exited).
    await this.#o.waitReady(handle);
    if (!this.#stopController.signal.aborted) this.#restartEnabled = true;
    return handle;
  }

  /**
   * Ends dockerd on purpose (SIGTERM, SIGKILL after graceMs) and starts it again at once,
   * e.g. to serve a new certificate. Resolves when the API answers again; rejects when
   * dockerd is not supervised (the boot's dockerd never got ready, or after stop()).
   */
  async restart(reason: string, options: { graceMs?: number } = {}): Promise<DockerdRestart> {
    const handle = this.#current;
    if (!this.#restartEnabled || !handle || hasExited(handle)) {
      throw new DockerdRestartError(`cannot restart dockerd (${reason}): it is not supervised`);
    }
    this.#planned = reason;
    const back = new Promise<DockerdRestart>((resolve) => {
      const off = this.onRestarted((restart) => {
        off();
        resolve(restart);
      });
    });
    await terminate(handle, options.graceMs ?? this.#o.graceMs);
    return back;
  }

  /**
   * No more restarts; dockerd keeps running. For a shutdown that stops containers
   * through the API first and ends dockerd itself.
   */
  disableRestart(): void {
    this.#restartEnabled = false;
    this.#stopController.abort('dockerd supervision stopped');
    if (this.#delay) clearTimeout(this.#delay);
    this.#wakeDelay?.();
  }

  /**
   * No more restarts, then dockerd is ended: SIGTERM (dockerd stops its containers and
   * containerd), SIGKILL after graceMs. Resolves with how it ended (undefined when none ran).
   */
  async stop(options: { graceMs?: number } = {}): Promise<DockerdExit | undefined> {
    this.disableRestart();
    const handle = this.#current;
    if (!handle || hasExited(handle)) return undefined;
    return terminate(handle, options.graceMs ?? this.#o.graceMs);
  }

  #spawn(): DockerdHandle {
    const handle = this.#o.spawn();
    this.#current = handle;
    this.#startedAt = this.#o.now();
    void handle.exited.then((exit) => this.#onExit(handle, exit));
    return handle;
  }

  #onExit(handle: DockerdHandle, exit: DockerdExit): void {
    if (handle !== this.#current) return;
    if (!this.#restartEnabled) {
      // The boot's step reports a first dockerd that died; after a stop there is nothing to say.
      return;
    }
    const exitedAt = this.#o.now();
    const lived = exitedAt - this.#startedAt;
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    this.#o.emit(dockerdExited(handle.pid, exit.code, exit.signal, true));
    const planned = this.#planned;
    this.#planned = undefined;
    if (planned !== undefined) {
      this.#attempt = 1;
      this.#o.log.info(`dockerd (pid ${handle.pid}) ended (${how}) to restart it: ${planned}`);
      void this.#restartAfter(0, exitedAt);
      return;
    }
    this.#attempt = lived >= this.#o.healthyAfterMs ? 1 : this.#attempt + 1;
    const delay = Math.min(this.#o.maxDelayMs, this.#o.minDelayMs * 2 ** (this.#attempt - 1));
    this.#o.log.warn(
      `dockerd (pid ${handle.pid}) exited (${how}) after ` +
        `${(lived / 1000).toFixed(1)} s; starting it again in ${(delay / 1000).toFixed(1)} s (attempt ${this.#attempt})`,
    );
    void this.#restartAfter(delay, exitedAt);
  }

  async #restartAfter(delayMs: number, exitedAt: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wakeDelay = resolve;
      this.#delay = setTimeout(resolve, delayMs);
    });
    this.#wakeDelay = undefined;
    if (!this.#restartEnabled) return;
    const attempt = this.#attempt;
    let handle: DockerdHandle;
    try {
      handle = this.#spawn();
    } catch (error) {
      // Counts as a quick death: the pause grows, and we try again.
      this.#attempt++;
      const delay = Math.min(this.#o.maxDelayMs, this.#o.minDelayMs * 2 ** (this.#attempt - 1));
      this.#o.log.warn(`cannot start dockerd: ${describeError(error)}; trying again in ${(delay / 1000).toFixed(1)} s`);
      void this.#restartAfter(delay, exitedAt);
      return;
    }
    try {
      await this.#o.waitReady(handle);
    } catch (error) {
      if (hasExited(handle) || handle !== this.#current || !this.#restartEnabled) return; // its exit schedules the next try
      this.#o.log.warn(`the restarted dockerd (pid ${handle.pid}) does not answer: ${describeError(error)}; ending it`);
      await terminate(handle, this.#o.graceMs);
      return;
    }
    if (handle !== this.#current || hasExited(handle)) return;
    this.#total++;
    this.#o.emit(dockerdRestarted(attempt, handle.pid, this.#o.now() - exitedAt));
    this.#o.log.info(`dockerd is back (pid ${handle.pid}, restart ${this.#total} since boot)`);
    for (const listener of this.#listeners) {
      try {
        listener({ attempt, total: this.#total, handle });
      } catch (error) {
        this.#o.log.warn(`after the dockerd restart: ${describeError(error)}`);
      }
    }
  }
}

/** restart() on a dockerd that is not supervised. */
export class DockerdRestartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerdRestartError';
  }
}

function hasExited(handle: DockerdHandle): boolean {
  return handle.gone.aborted || handle.child.exitCode !== null || handle.child.signalCode !== null;
}

async function terminate(handle: DockerdHandle, graceMs: number): Promise<DockerdExit> {
  handle.child.kill('SIGTERM');
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), graceMs);
  try {
    return await handle.exited;
  } finally {
    clearTimeout(timer);
  }
}
