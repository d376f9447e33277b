import { stepEnd, stepFailed, stepStart, type StepEvent } from '../contract/events.ts';
import { describeError, OdError } from '../contract/errors.ts';

/** A step threw; `cause` is what it threw. */
export class StepFailedError extends OdError {
  readonly step: string;

  constructor(step: string, options: { cause: unknown }) {
    super(`step ${step} failed: ${describeError(options.cause)}`, options);
    this.step = step;
  }
}

/** What a step returns when it decided there was nothing to do. */
export interface StepSkipped {
  skipped: string;
}

/**
 * A named step of any plan: the boot's (context.ts Step, on the BootContext) and the
 * shutdown's (on the ShutdownContext) are run the same way. Steps never call each other.
 */
export interface PlanStep<C> {
  /** camelCase; also the name in the console events. */
  readonly name: string;
  /** A failed required step stops the plan. */
  readonly required: boolean;
  run(ctx: C): Promise<void | StepSkipped> | void | StepSkipped;
}

export interface StepOutcome {
  name: string;
  status: 'done' | 'failed' | 'skipped';
  ms: number;
  error?: StepFailedError;
}

export interface PlanResult {
  /** False when a required step failed; the steps after it were skipped. */
  ok: boolean;
  outcomes: StepOutcome[];
  /** The required step failure that stopped the plan. */
  fatal?: StepFailedError;
}

export interface RunnerHooks {
  emit(event: StepEvent): void;
  /** Human-readable lines (failures and skip reasons). */
  info(message: string): void;
  warn(message: string): void;
  /** Monotonic milliseconds; injectable so tests get stable timings. */
  now?: () => number;
}

/**
 * Runs the steps in order, one at a time. The runner, not the steps, owns timing, the
 * start/end events and error wrapping, so every step is reported the same way. A failed
 * optional step is reported and the boot goes on; a failed required step stops the
 * plan and the remaining steps are reported as skipped.
 */
export async function runPlan<C>(plan: readonly PlanStep<C>[], ctx: C, hooks: RunnerHooks): Promise<PlanResult> {
  const now = hooks.now ?? (() => performance.now());
  const outcomes: StepOutcome[] = [];
  let fatal: StepFailedError | undefined;

  for (const step of plan) {
    if (fatal) {
      hooks.emit(stepEnd(step.name, 'skipped', 0));
      outcomes.push({ name: step.name, status: 'skipped', ms: 0 });
      continue;
    }
    hooks.emit(stepStart(step.name));
    const started = now();
    try {
      const result = await step.run(ctx);
      const ms = Math.round(now() - started);
      if (result && typeof result === 'object' && 'skipped' in result) {
        hooks.info(`${step.name}: skipped: ${result.skipped}`);
        hooks.emit(stepEnd(step.name, 'skipped', ms));
        outcomes.push({ name: step.name, status: 'skipped', ms });
      } else {
        hooks.emit(stepEnd(step.name, 'done', ms));
        outcomes.push({ name: step.name, status: 'done', ms });
      }
    } catch (cause) {
      const ms = Math.round(now() - started);
      const error = new StepFailedError(step.name, { cause });
      hooks.emit(stepFailed(step.name, ms, describeError(cause)));
      outcomes.push({ name: step.name, status: 'failed', ms, error });
      if (step.required) {
        fatal = error;
      } else {
        hooks.warn(`${error.message} (optional step, boot goes on)`);
      }
    }
  }
  return fatal ? { ok: false, outcomes, fatal } : { ok: true, outcomes };
}
