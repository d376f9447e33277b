// The machine-readable lines the init prints on the console, one JSON object a line.
// The VM tests and the boot benchmark parse exactly these; people read them in the
// same log. Key order is part of the format, so each event is built by one of the
// constructors below, as a literal in that order.

export type StepEvent =
  | { od: 'step'; name: string; status: 'start' }
  | { od: 'step'; name: string; status: 'done' | 'skipped'; ms: number }
  | { od: 'step'; name: string; status: 'failed'; ms: number; error: string };

export interface DockerReadyEvent {
  od: 'docker';
  status: 'ready';
  version: string;
  apiVersion: string;
}

export interface BootEvent {
  od: 'boot';
  status: 'done' | 'failed';
  ms: number;
}

/** The first DHCP lease, or none within od.dhcp.timeout; `ms` from the DHCP container's start. */
export type DhcpEvent =
  | { od: 'dhcp'; status: 'bound'; interface: string; ip: string; ms: number }
  | { od: 'dhcp'; status: 'timeout'; interface: string; ms: number };

/** A static address from od.net.address is configured; `ms` is how long that took. */
export interface NetEvent {
  od: 'net';
  status: 'configured';
  interface: string;
  ip: string;
  ms: number;
}

/** A console container is running on a terminal; `ms` counts from the start of the boot, like the boot event. */
export interface ConsoleEvent {
  od: 'console';
  status: 'ready';
  tty: string;
  ms: number;
  image: string;
}

export type DockerdEvent =
  /** dockerd ended after it had been ready; `restart` says whether it will be started again. */
  | { od: 'dockerd'; status: 'exited'; pid: number; code: number | null; signal: string | null; restart: boolean }
  /** A restarted dockerd answers the API again; `ms` counts from the exit it replaces. */
  | { od: 'dockerd'; status: 'restarted'; attempt: number; pid: number; ms: number };

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

/** What mountDockerDisk decided. */
export type DiskEvent =
  | { od: 'disk'; status: 'mounted'; device: string; ms: number }
  | { od: 'disk'; status: 'ram' }
  | { od: 'disk'; status: 'formatted'; device: string; ms: number }
  | { od: 'disk'; status: 'refused'; device: string; reason: string }
  | { od: 'disk'; status: 'failed'; device: string; error: string }
  | { od: 'disk'; status: 'checked'; device: string; result: string; ms: number };

/**
 * The configuration file was read (readUserConfig): the sources that had one, in the
 * order they were merged, and how many problems were reported on the console.
 */
export interface ConfigEvent {
  od: 'config';
  status: 'read';
  sources: string[];
  problems: number;
}

/**
 * A service of the configuration (startServices): its container runs, or it could not be
 * started; later, the init started it again after it ended and dockerd left it stopped
 * (services/service-keeper.ts), with the exit code it ended with.
 */
export type ServiceEvent =
  | { od: 'service'; status: 'running'; name: string; container: string; ms: number }
  | { od: 'service'; status: 'failed'; name: string; error: string }
  | { od: 'service'; status: 'restarted'; name: string; container: string; exitCode: number | null };

/** The time client's container was started (startTimeSync), with its servers and where they came from; not a sign of sync. */
export interface NtpEvent {
  od: 'ntp';
  status: 'started';
  servers: string[];
  from: 'configuration' | 'lease';
}

/** How a node came to be in its swarm: it started it, joined it, or was a member already (a DOCKER disk keeps the swarm). */
export type SwarmMembership = 'initialized' | 'joined' | 'member';

/**
 * The node's swarm (joinSwarm): a member, with its role and node id (`ms` from the
 * start of the boot, the join may end long after it); a join still tried in the
 * background (once, and again whenever the error changes); or a swarm that could not be
 * started or joined and is not tried again.
 */
export type SwarmEvent =
  | { od: 'swarm'; status: 'active'; role: 'manager' | 'worker'; nodeId: string; how: SwarmMembership; ms: number }
  | { od: 'swarm'; status: 'joining'; address: string; error: string }
  | { od: 'swarm'; status: 'failed'; error: string };

export type ShutdownAction = 'poweroff' | 'reboot' | 'halt';

// {"od":"shutdown","status":"start","action":"poweroff","source":"poweroff (SIGUSR2)"}
// {"od":"shutdown","step":"stopContainers","status":"done","ms":2140}
// {"od":"shutdown","status":"done","action":"poweroff","ms":4810}   (right before reboot(2))
export type ShutdownEvent =
  | { od: 'shutdown'; status: 'start'; action: ShutdownAction; source: string }
  | { od: 'shutdown'; step: string; status: 'start' }
  | { od: 'shutdown'; step: string; status: 'done' | 'skipped'; ms: number }
  | { od: 'shutdown'; step: string; status: 'failed'; ms: number; error: string }
  | { od: 'shutdown'; status: 'done'; action: ShutdownAction; ms: number };

/** Every event the init prints. */
export type OdEvent =
  | StepEvent
  | DockerReadyEvent
  | BootEvent
  | DockerdEvent
  | DhcpEvent
  | NetEvent
  | ConsoleEvent
  | TlsEvent
  | DiskEvent
  | ConfigEvent
  | ServiceEvent
  | NtpEvent
  | SwarmEvent
  | ShutdownEvent;

const ms = (value: number) => Math.round(value);

export function stepStart(name: string): StepEvent {
  return { od: 'step', name, status: 'start' };
}

export function stepEnd(name: string, status: 'done' | 'skipped', elapsed: number): StepEvent {
  return { od: 'step', name, status, ms: ms(elapsed) };
}

export function stepFailed(name: string, elapsed: number, error: string): StepEvent {
  return { od: 'step', name, status: 'failed', ms: ms(elapsed), error };
}

export function dockerReady(version: string, apiVersion: string): DockerReadyEvent {
  return { od: 'docker', status: 'ready', version, apiVersion };
}

export function bootEnded(status: 'done' | 'failed', elapsed: number): BootEvent {
  return { od: 'boot', status, ms: ms(elapsed) };
}

export function dhcpBound(iface: string, ip: string, elapsed: number): DhcpEvent {
  return { od: 'dhcp', status: 'bound', interface: iface, ip, ms: ms(elapsed) };
}

export function dhcpTimeout(iface: string, elapsed: number): DhcpEvent {
  return { od: 'dhcp', status: 'timeout', interface: iface, ms: ms(elapsed) };
}

export function netConfigured(iface: string, ip: string, elapsed: number): NetEvent {
  return { od: 'net', status: 'configured', interface: iface, ip, ms: ms(elapsed) };
}

export function consoleReady(tty: string, elapsed: number, image: string): ConsoleEvent {
  return { od: 'console', status: 'ready', tty, ms: ms(elapsed), image };
}

export function dockerdExited(pid: number, code: number | null, signal: string | null, restart: boolean): DockerdEvent {
  return { od: 'dockerd', status: 'exited', pid, code, signal, restart };
}

export function dockerdRestarted(attempt: number, pid: number, elapsed: number): DockerdEvent {
  return { od: 'dockerd', status: 'restarted', attempt, pid, ms: ms(elapsed) };
}

export function tlsReady(persistent: boolean, regenerated: boolean, elapsed: number): TlsEvent {
  return { od: 'tls', status: 'ready', persistent, regenerated, ms: ms(elapsed) };
}

export function tlsRenewed(persistent: boolean, reason: string, elapsed: number): TlsEvent {
  return { od: 'tls', status: 'renewed', persistent, reason, ms: ms(elapsed) };
}

export const diskEvents = {
  mounted: (device: string, elapsed: number): DiskEvent => ({ od: 'disk', status: 'mounted', device, ms: ms(elapsed) }),
  ram: (): DiskEvent => ({ od: 'disk', status: 'ram' }),
  formatted: (device: string, elapsed: number): DiskEvent => ({ od: 'disk', status: 'formatted', device, ms: ms(elapsed) }),
  refused: (device: string, reason: string): DiskEvent => ({ od: 'disk', status: 'refused', device, reason }),
  failed: (device: string, error: string): DiskEvent => ({ od: 'disk', status: 'failed', device, error }),
  checked: (device: string, result: string, elapsed: number): DiskEvent => ({ od: 'disk', status: 'checked', device, result, ms: ms(elapsed) }),
};

export function configRead(sources: string[], problems: number): ConfigEvent {
  return { od: 'config', status: 'read', sources, problems };
}

export const serviceEvents = {
  running: (name: string, container: string, elapsed: number): ServiceEvent => ({ od: 'service', status: 'running', name, container, ms: ms(elapsed) }),
  failed: (name: string, error: string): ServiceEvent => ({ od: 'service', status: 'failed', name, error }),
  restarted: (name: string, container: string, exitCode: number | null): ServiceEvent => ({ od: 'service', status: 'restarted', name, container, exitCode }),
};

export function ntpStarted(servers: string[], from: 'configuration' | 'lease'): NtpEvent {
  return { od: 'ntp', status: 'started', servers, from };
}

export const swarmEvents = {
  active: (role: 'manager' | 'worker', nodeId: string, how: SwarmMembership, elapsed: number): SwarmEvent => ({ od: 'swarm', status: 'active', role, nodeId, how, ms: ms(elapsed) }),
  joining: (address: string, error: string): SwarmEvent => ({ od: 'swarm', status: 'joining', address, error }),
  failed: (error: string): SwarmEvent => ({ od: 'swarm', status: 'failed', error }),
};

export const shutdownEvents = {
  start: (action: ShutdownAction, source: string): ShutdownEvent => ({ od: 'shutdown', status: 'start', action, source }),
  done: (action: ShutdownAction, elapsed: number): ShutdownEvent => ({ od: 'shutdown', status: 'done', action, ms: ms(elapsed) }),
  /** The runner's step events, under "shutdown" so they never read as boot steps. */
  fromStep(event: StepEvent): ShutdownEvent {
    if (event.status === 'start') return { od: 'shutdown', step: event.name, status: 'start' };
    if (event.status === 'failed') return { od: 'shutdown', step: event.name, status: 'failed', ms: event.ms, error: event.error };
    return { od: 'shutdown', step: event.name, status: event.status, ms: event.ms };
  },
};

/** One event as the console carries it. */
export function formatEvent(event: OdEvent): string {
  return JSON.stringify(event);
}

/**
 * An event line as a reader finds it on a serial console: any `{"od":...}` object,
 * including kinds this version does not know (the reference init's, a newer init's).
 */
export interface OdEventLine {
  od: string;
  status?: string;
  [key: string]: unknown;
}

/**
 * The event in one console line, or undefined. The event may follow other text on the
 * line (a kernel message printed at the same moment); a line cut in the middle of the
 * JSON is not an event.
 */
export function parseEventLine(line: string): OdEventLine | undefined {
  const start = line.indexOf('{"od":');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(line.slice(start).trim()) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as OdEventLine).od === 'string') return parsed as OdEventLine;
  } catch {
    // cut by other console output: not an event
  }
  return undefined;
}

/** Every event line in a console transcript, in order. */
export function parseEventLines(transcript: string): OdEventLine[] {
  return transcript.split(/\r?\n/).flatMap((line) => parseEventLine(line) ?? []);
}
