import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OdEvent } from '../../contract/events.ts';
import type { RecordSink } from '../console.ts';

export interface TimelineStep {
  name: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  /** Milliseconds from the init's start (exec) to the step's start. */
  startMs: number;
  /** How long it took, as the runner measured it; absent while running. */
  ms?: number;
  error?: string;
}

export interface TimelineMilestone {
  /** `<od>.<status>` of the event: docker.ready, dhcp.bound, console.ready, boot.done, dockerd.restarted... */
  name: string;
  atMs: number;
  /** The event's other fields. */
  detail?: Record<string, unknown>;
}

export interface BootTimelineDocument {
  version: 1;
  /** Kernel uptime (ms) when the init was exec'd: add it to an offset for time since power-on. */
  initExecUptimeMs: number | null;
  /** Wall clock of the init's start, as the RTC told the kernel. */
  initExecAt: string;
  steps: TimelineStep[];
  milestones: TimelineMilestone[];
  /** Offset of the last update. */
  updatedMs: number;
}

export interface BootTimelineOptions {
  /** Where the JSON goes; every path gets the same document. */
  paths: string[];
  /** Milliseconds since the init's exec (performance.now() in the init). */
  now?: () => number;
  /** Asked at each write until it answers (it reads /proc/uptime). */
  initExecUptimeMs?: () => number | null;
  initExecAt?: Date;
  /** Told once when a path cannot be written. */
  onError?: (message: string) => void;
}

/** Milestones a long-running system keeps adding (dockerd restarts) are capped. */
const maxMilestones = 200;

/**
 * The boot as data: each step with its start offset and duration, and every other event
 * as a milestone, from the same event lines the console shows. The document is written
 * again whenever a step ends or a milestone passes (write to a temporary file, then
 * rename: a reader never sees half a document), so it is useful while the boot is still
 * going and after it failed.
 */
export class BootTimeline {
  readonly #options: BootTimelineOptions;
  readonly #now: () => number;
  readonly #doc: BootTimelineDocument;
  readonly #failedPaths = new Set<string>();

  constructor(options: BootTimelineOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    const execAt = options.initExecAt ?? new Date(Date.now() - this.#now());
    this.#doc = {
      version: 1,
      initExecUptimeMs: null,
      initExecAt: execAt.toISOString(),
      steps: [],
      milestones: [],
      updatedMs: 0,
    };
  }

  get document(): BootTimelineDocument {
    return this.#doc;
  }

  /** The timeline as a console sink: the events the console shows, nothing else. */
  readonly sink: RecordSink = (record) => {
    if (record.kind === 'event') this.observe(record.event);
  };

  observe(event: OdEvent): void {
    const at = Math.round(this.#now());
    if (event.od === 'step') {
      if (event.status === 'start') {
        this.#doc.steps.push({ name: event.name, status: 'running', startMs: at });
        return; // written when it ends: a start alone changes little
      }
      let step = this.#running(event.name);
      if (!step) {
        // skipped without a start (an earlier required step failed)
        step = { name: event.name, status: event.status, startMs: at };
        this.#doc.steps.push(step);
      }
      step.status = event.status;
      step.ms = event.ms;
      if (event.status === 'failed') step.error = event.error;
    } else {
      const { od, status, ...detail } = event as unknown as { od: string; status?: string } & Record<string, unknown>;
      const milestone: TimelineMilestone = { name: status ? `${od}.${status}` : od, atMs: at };
      if (Object.keys(detail).length) milestone.detail = detail;
      this.#doc.milestones.push(milestone);
      if (this.#doc.milestones.length > maxMilestones) this.#doc.milestones.splice(0, this.#doc.milestones.length - maxMilestones);
    }
    this.#doc.updatedMs = at;
    this.write();
  }

  #running(name: string): TimelineStep | undefined {
    for (let index = this.#doc.steps.length - 1; index >= 0; index--) {
      const step = this.#doc.steps[index]!;
      if (step.name === name && step.status === 'running') return step;
    }
    return undefined;
  }

  write(): void {
    // /proc is not mounted when the init starts: ask for the uptime at the first write.
    if (this.#doc.initExecUptimeMs === null && this.#options.initExecUptimeMs) {
      this.#doc.initExecUptimeMs = this.#options.initExecUptimeMs();
    }
    const text = `${JSON.stringify(this.#doc, null, 2)}\n`;
    for (const path of this.#options.paths) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        const temporary = `${path}.tmp`;
        writeFileSync(temporary, text, { mode: 0o644 });
        renameSync(temporary, path);
        this.#failedPaths.delete(path);
      } catch (error) {
        if (this.#failedPaths.has(path)) continue;
        this.#failedPaths.add(path);
        this.#options.onError?.(`cannot write the boot timeline to ${path}: ${(error as Error).message}`);
      }
    }
  }
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
