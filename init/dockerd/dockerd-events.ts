// The dockerd supervisor's event lines. Key order is part of the format (see events.ts).

export type DockerdEvent =
  /** dockerd ended after it had been ready; `restart` says whether it will be started again. */
  | { od: 'dockerd'; status: 'exited'; pid: number; code: number | null; signal: string | null; restart: boolean }
  /** A restarted dockerd answers the API again; `ms` counts from the exit it replaces. */
  | { od: 'dockerd'; status: 'restarted'; attempt: number; pid: number; ms: number };

export function dockerdExited(pid: number, code: number | null, signal: string | null, restart: boolean): DockerdEvent {
  return { od: 'dockerd', status: 'exited', pid, code, signal, restart };
}

export function dockerdRestarted(attempt: number, pid: number, ms: number): DockerdEvent {
  return { od: 'dockerd', status: 'restarted', attempt, pid, ms: Math.round(ms) };
}
