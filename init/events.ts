// The machine-readable lines the init prints on the console. Tests and the boot
// benchmark parse exactly these; people read them in the same log. Key order is part
// of the format, so each event is built as a literal in that order.

import type { DockerdEvent } from './dockerd/dockerd-events.ts';
import type { TlsEvent } from './tls/tls-events.ts';

import type { ShutdownEvent } from './shutdown/shutdown-events.ts';
import type { DiskEvent } from './storage/storage-state.ts';

export type StepStatus = 'start' | 'done' | 'failed' | 'skipped';

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

export type OdEvent = StepEvent | DockerReadyEvent | BootEvent | DockerdEvent | DhcpEvent | NetEvent | ConsoleEvent | TlsEvent | DiskEvent | ShutdownEvent;

export function stepStart(name: string): StepEvent {
  return { od: 'step', name, status: 'start' };
}

export function stepEnd(name: string, status: 'done' | 'skipped', ms: number): StepEvent {
  return { od: 'step', name, status, ms: Math.round(ms) };
}

export function stepFailed(name: string, ms: number, error: string): StepEvent {
  return { od: 'step', name, status: 'failed', ms: Math.round(ms), error };
}

export function dockerReady(version: string, apiVersion: string): DockerReadyEvent {
  return { od: 'docker', status: 'ready', version, apiVersion };
}

export function dhcpBound(iface: string, ip: string, ms: number): DhcpEvent {
  return { od: 'dhcp', status: 'bound', interface: iface, ip, ms: Math.round(ms) };
}

export function dhcpTimeout(iface: string, ms: number): DhcpEvent {
  return { od: 'dhcp', status: 'timeout', interface: iface, ms: Math.round(ms) };
}

export function netConfigured(iface: string, ip: string, ms: number): NetEvent {
  return { od: 'net', status: 'configured', interface: iface, ip, ms: Math.round(ms) };
}

export function consoleReady(tty: string, ms: number, image: string): ConsoleEvent {
  return { od: 'console', status: 'ready', tty, ms: Math.round(ms), image };
}

export function formatEvent(event: OdEvent): string {
  return JSON.stringify(event);
}
