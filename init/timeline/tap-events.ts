import type { BootConsole } from '../console.ts';
import type { OdEvent } from '../events.ts';

/**
 * Lets an observer see every event the console prints (steps from the runner, and the
 * ones steps and supervisors print themselves: docker ready, dhcp bound, dockerd
 * restarted...), so the timeline is built from exactly what the console shows.
 */
export function tapEvents(console: BootConsole, observer: (event: OdEvent) => void): void {
  const print = console.event.bind(console);
  console.event = (event: OdEvent) => {
    print(event);
    try {
      observer(event);
    } catch {
      // an observer's failure must not cost PID 1 its console
    }
  };
}

/** Kernel uptime in ms at the init's exec, from /proc/uptime; null until /proc is mounted. */
export function initExecUptimeMs(readUptime: () => string, now: () => number = () => performance.now()): number | null {
  try {
    const seconds = Number(readUptime().split(' ')[0]);
    return Number.isFinite(seconds) ? Math.round(seconds * 1000 - now()) : null;
  } catch {
    return null;
  }
}
