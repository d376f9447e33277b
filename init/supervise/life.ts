// One life of a supervised child, and how its end is told to people.

/** How one life of a supervised child ended. */
export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One life of a supervised child. */
export interface Life {
  /** Resolves when the life is over; rejects when it could not run at all. */
  readonly exited: Promise<RunEnd>;
}

/** "850 ms", "12.3 s" */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeEnd(end: RunEnd): string {
  return end.signal ? `signal ${end.signal}` : `code ${end.code}`;
}
