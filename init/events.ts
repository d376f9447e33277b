// The machine-readable lines the init prints on the console. Tests and the boot
// benchmark parse exactly these; people read them in the same log. Key order is part
// of the format, so each event is built as a literal in that order.

import type { DockerdEvent } from './dockerd/dockerd-events.ts';

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

export type OdEvent = StepEvent | DockerReadyEvent | BootEvent | DockerdEvent;

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

export function formatEvent(event: OdEvent): string {
  return JSON.stringify(event);
}
