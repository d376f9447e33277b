// The remote API's event lines. Key order is part of the format (see events.ts).

export type TlsEvent =
  /**
   * The certificates dockerd serves are in place (prepareTls). `regenerated`: some were
   * made this boot (always in RAM mode; on a disk only the first time, or when one was
   * near its end, broken, or missing a name).
   */
  | { od: 'tls'; status: 'ready'; persistent: boolean; regenerated: boolean; ms: number }
  /**
   * The machine got an address the server certificate did not name (refreshTls): a new
   * one was made and dockerd restarted to serve it; `ms` includes the restart.
   */
  | { od: 'tls'; status: 'renewed'; persistent: boolean; reason: string; ms: number };

export function tlsReady(persistent: boolean, regenerated: boolean, ms: number): TlsEvent {
  return { od: 'tls', status: 'ready', persistent, regenerated, ms: Math.round(ms) };
}

export function tlsRenewed(persistent: boolean, reason: string, ms: number): TlsEvent {
  return { od: 'tls', status: 'renewed', persistent, reason, ms: Math.round(ms) };
}
