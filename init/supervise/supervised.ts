/** A long-lived child of PID 1 that is respawned when it exits (a console, the VT2 shell). */
export interface Supervised {
  /** For people: "console on ttyS0". */
  readonly name: string;
  /** No more respawns; ends the current child. Resolves once it is gone. */
  stop(): Promise<void>;
}
