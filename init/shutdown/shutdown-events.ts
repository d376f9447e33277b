import type { StepEvent } from '../events.ts';
import type { ShutdownAction } from './actions.ts';

// {"od":"shutdown","status":"start","action":"poweroff","source":"poweroff (SIGUSR2)"}
// {"od":"shutdown","step":"stopContainers","status":"done","ms":2140}
// {"od":"shutdown","status":"done","action":"poweroff","ms":4810}   (right before reboot(2))
export type ShutdownEvent =
  | { od: 'shutdown'; status: 'start'; action: ShutdownAction; source: string }
  | { od: 'shutdown'; step: string; status: 'start' }
  | { od: 'shutdown'; step: string; status: 'done' | 'skipped'; ms: number }
  | { od: 'shutdown'; step: string; status: 'failed'; ms: number; error: string }
  | { od: 'shutdown'; status: 'done'; action: ShutdownAction; ms: number };

export const shutdownEvents = {
  start: (action: ShutdownAction, source: string): ShutdownEvent => ({ od: 'shutdown', status: 'start', action, source }),
  done: (action: ShutdownAction, ms: number): ShutdownEvent => ({ od: 'shutdown', status: 'done', action, ms: Math.round(ms) }),
  /** The runner's step events, under "shutdown" so they never read as boot steps. */
  fromStep(event: StepEvent): ShutdownEvent {
    if (event.status === 'start') return { od: 'shutdown', step: event.name, status: 'start' };
    if (event.status === 'failed') return { od: 'shutdown', step: event.name, status: 'failed', ms: event.ms, error: event.error };
    return { od: 'shutdown', step: event.name, status: event.status, ms: event.ms };
  },
};
