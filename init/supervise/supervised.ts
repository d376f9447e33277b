/** A long-lived child of PID 1 that is respawned when it exits (a console, the VT2 shell). */
export interface Supervised {
  /** For people: "console on ttyS0". */
  readonly name: string;
  /** No more respawns; ends the current child. Resolves once it is gone. */
  stop(): Promise<void>;
  /**
   * Ends a pause between lives at once. The dockerd supervisor calls it when dockerd is
   * back after a restart: a console that could not start while dockerd was away need
   * not wait out its backoff.
   */
  retryNow?(): void;
}

/** Stops them all, in parallel: at shutdown nobody should respawn a console behind our back. */
export async function stopAll(services: readonly Supervised[]): Promise<void> {
  await Promise.allSettled(services.map((service) => service.stop()));
}
