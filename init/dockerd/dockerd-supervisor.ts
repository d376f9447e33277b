import { dockerdExited, dockerdRestarted, type DockerdEvent } from '../../contract/events.ts';
import { Respawner, type RespawnLog } from '../supervise/respawner.ts';
import { endChild } from '../supervise/terminal.ts';
import type { DockerdExit, DockerdHandle } from './spawn-dockerd.ts';

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
  log: RespawnLog;
  /**
   * How many dockerds the boot may start before one answers (default 1). A dockerd
   * that exits before it answers is replaced at once while attempts remain; one that
   * does not answer in time is not (that is waitReady's timeout, already long).
   */
  bootAttempts?: number;
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
 * Keeps dockerd running after the boot, with PID 1's one Respawner: when it exits (a
 * crash, `kill -9` from the console) it is started again after a pause that doubles
 * while it keeps dying young (1 s, 2 s, 4 s... up to 30 s) and is short again after a
 * minute's life. dockerd itself brings back the containers with a restart policy when
 * it starts (no --live-restore: the old ones are stopped and restarted by their policy).
 *
 * The first start belongs to the boot: if it does not become ready, start() throws and
 * nothing is restarted (a required step failed; the emergency shell is the answer).
 * `current` is the one record of the running dockerd: shutdown reads it too.
 */
export class DockerdSupervisor {
  readonly #respawner: Respawner<DockerdHandle>;

  constructor(options: DockerdSupervisorOptions) {
    const graceMs = options.graceMs ?? 10_000;
    this.#respawner = new Respawner<DockerdHandle>({
      name: 'dockerd',
      log: options.log,
      spawn: () => options.spawn(),
      ready: (handle) => options.waitReady(handle),
      isOver: hasExited,
      end: (handle, grace) => endChild(handle.child, handle.exited, grace ?? graceMs),
      firstLifeRequired: true,
      firstLifeAttempts: options.bootAttempts ?? 1,
      label: (handle) => `dockerd (pid ${handle.pid})`,
      exitLevel: 'warn',
      showAttempt: true,
      onExit: (handle, exit) => options.emit(dockerdExited(handle.pid, exit.code, exit.signal, true)),
      backoff: {
        minDelayMs: options.minDelayMs ?? 1000,
        maxDelayMs: options.maxDelayMs ?? 30_000,
        healthyAfterMs: options.healthyAfterMs ?? 60_000,
        firstAttempt: 0,
      },
      ...(options.now ? { now: options.now } : {}),
    });
    this.#respawner.onRestarted(({ attempt, total, life, sinceExitMs }) => {
      options.emit(dockerdRestarted(attempt, life.pid, sinceExitMs));
      options.log.info(`dockerd is back (pid ${life.pid}, restart ${total} since boot)`);
    });
  }

  /** The running (or starting) dockerd. */
  get current(): DockerdHandle | undefined {
    return this.#respawner.current;
  }

  get restarts(): number {
    return this.#respawner.restarts;
  }

  get restartEnabled(): boolean {
    return this.#respawner.restartEnabled;
  }

  /** Called after each restart once the API answers again (the consoles subscribe). */
  onRestarted(listener: (restart: DockerdRestart) => void): () => void {
    return this.#respawner.onRestarted(({ attempt, total, life }) => listener({ attempt, total, handle: life }));
  }

  /** The boot's dockerd: started, and once it answers, watched and restarted when it dies. */
  async start(): Promise<DockerdHandle> {
    await this.#respawner.start();
    return this.#respawner.current!;
  }

  /**
   * Ends dockerd on purpose (SIGTERM, SIGKILL after graceMs) and starts it again at once,
   * e.g. to serve a new certificate. Resolves when the API answers again; rejects when
   * dockerd is not supervised (the boot's dockerd never got ready, or after stop()).
   */
  async restart(reason: string, options: { graceMs?: number } = {}): Promise<DockerdRestart> {
    const { attempt, total, life } = await this.#respawner.restart(reason, options);
    return { attempt, total, handle: life };
  }

  /** No more restarts; dockerd keeps running (a shutdown that stops it its own way). */
  disableRestart(): void {
    this.#respawner.disableRestart();
  }

  /**
   * No more restarts, then dockerd is ended: SIGTERM (dockerd stops its containers and
   * containerd), SIGKILL after graceMs. Resolves with how it ended (undefined when none ran).
   */
  async stop(options: { graceMs?: number } = {}): Promise<DockerdExit | undefined> {
    return stopDaemon(this.#respawner, options);
  }
}

/** Stops a respawned daemon (dockerd, containerd): how the running one ended, undefined when none ran. */
export async function stopDaemon(respawner: Respawner<DockerdHandle>, options: { graceMs?: number }): Promise<DockerdExit | undefined> {
  const handle = respawner.current;
  const running = handle !== undefined && !hasExited(handle);
  await respawner.stop(options);
  return running ? handle.exited : undefined;
}

export function hasExited(handle: DockerdHandle): boolean {
  return handle.gone.aborted || handle.child.exitCode !== null || handle.child.signalCode !== null;
}
