import type { PlanStep } from '../runner.ts';
import type { ShutdownContext } from './shutdown-context.ts';

/** A shutdown step: run by the same runner as the boot's, against the ShutdownContext. */
export type ShutdownStep = PlanStep<ShutdownContext>;
