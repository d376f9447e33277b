import type { BootConsole } from '../console.ts';
import { runPlan, type PlanStep } from '../runner.ts';
import { describeError } from '../../contract/errors.ts';
import type { Sys } from '../sys/sys.ts';
import { rebootCommand, type ShutdownAction, type ShutdownRequest } from './actions.ts';
import { shutdownEvents } from '../../contract/events.ts';
import type { ShutdownContext } from './shutdown-context.ts';
import { shutdownPlan } from './shutdown-plan.ts';
import { within } from '../sys/within.ts';

export interface ShutdownControllerOptions {
  console: BootConsole;
  sys: Sys;
  /** Builds the context when a request comes: the booted system as it is by then. */
  context(request: ShutdownRequest): ShutdownContext;
  /** Resolves when the boot step running now has ended (the rest of the plan is skipped). */
  bootSettled?: () => Promise<void>;
  /** How long a request waits for that step; after it, shutdown goes on regardless. */
  bootSettleMs?: number;
  plan?: readonly PlanStep<ShutdownContext>[];
  /**
   * Whatever happens in the steps, reboot(2) is called after this long: a shutdown that
   * hangs must not leave a machine that neither runs nor powers off.
   */
  watchdogMs(context: ShutdownContext): number;
  now?: () => number;
}

const verbs: Record<ShutdownAction, string> = { poweroff: 'powering off', reboot: 'rebooting', halt: 'halting' };

/**
 * The one place a shutdown happens. The first request wins; later ones (a second press
 * of the power button, Ctrl-Alt-Del during a poweroff) are reported and change nothing.
 */
export class ShutdownController {
  readonly #o: ShutdownControllerOptions;
  readonly #controller = new AbortController();
  #request: ShutdownRequest | undefined;
  #finished: Promise<void> | undefined;
  #rebooting = false;

  constructor(options: ShutdownControllerOptions) {
    this.#o = options;
  }

  /** Aborted when a shutdown begins: the boot's remaining steps are skipped, nothing new starts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get inProgress(): boolean {
    return this.#request !== undefined;
  }

  /** Resolves when the shutdown has run (in tests, where reboot(2) returns). */
  get finished(): Promise<void> | undefined {
    return this.#finished;
  }

  request(request: ShutdownRequest): void {
    if (this.#request) {
      this.#o.console.info(`${request.source}: already ${verbs[this.#request.action]}`);
      return;
    }
    this.#request = request;
    this.#controller.abort(`${request.source}: ${verbs[request.action]}`);
    this.#finished = this.#run(request);
  }

  async #run(request: ShutdownRequest): Promise<void> {
    const out = this.#o.console;
    const now = this.#o.now ?? (() => performance.now());
    const started = now();
    out.event(shutdownEvents.start(request.action, request.source));
    out.info(`${request.source}: ${verbs[request.action]}`);

    let ctx: ShutdownContext;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      ctx = this.#o.context(request);
      const watchdogMs = this.#o.watchdogMs(ctx);
      watchdog = setTimeout(() => {
        out.error(`shutdown still not done after ${Math.round(watchdogMs / 1000)} s; ${verbs[request.action]} now`);
        this.#finish(request.action, started, now);
      }, watchdogMs);

      if (this.#o.bootSettled) {
        const settleMs = this.#o.bootSettleMs ?? 30_000;
        const settled = await within(this.#o.bootSettled().then(() => true), settleMs, false);
        if (!settled) out.warn(`the boot step in progress did not end within ${settleMs / 1000} s; shutting down anyway`);
      }

      await runPlan(this.#o.plan ?? shutdownPlan, ctx, {
        emit: (event) => out.event(shutdownEvents.fromStep(event)),
        info: (m) => out.info(m),
        warn: (m) => out.warn(m),
        now,
      });
    } catch (error) {
      // The plan's runner catches step failures; this is a bug in the shutdown itself.
      out.error(`shutdown: ${describeError(error)}; ${verbs[request.action]} anyway`);
    } finally {
      if (watchdog) clearTimeout(watchdog);
    }
    this.#finish(request.action, started, now);
  }

  /** Sync and reboot(2), once: from the end of the plan or from the watchdog. */
  #finish(action: ShutdownAction, started: number, now: () => number): void {
    if (this.#rebooting) return;
    this.#rebooting = true;
    const { console: out, sys } = this.#o;
    try {
      sys.sync();
    } catch {
      // sync(2) cannot fail; a fake can
    }
    out.event(shutdownEvents.done(action, now() - started));
    out.info(`${verbs[action]} (shutdown took ${((now() - started) / 1000).toFixed(1)} s)`);
    try {
      sys.reboot(rebootCommand(action));
    } catch (error) {
      out.error(`reboot(2) failed: ${describeError(error)}; the machine keeps running without its services`);
    }
  }
}
