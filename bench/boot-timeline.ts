// Reads a boot's milestones and step spans from its timed serial transcript. The real
// init and the reference init print the same event lines, so one parser reads both;
// events nobody has taught it yet still show up as milestones named after them.
import { parseEventLine, type OdEventLine } from '../contract/events.ts';
import type { SerialLog } from '../qemu/serial-log.ts';

export interface MilestoneDef {
  key: string;
  label: string;
  /** A kernel or init line that marks it. */
  line?: RegExp;
  /** An event line `{"od":…,"status":…}` that marks it. */
  event?: { od: string; status?: string };
  /** Text that marks it even without a newline (a prompt waiting for input). */
  text?: RegExp;
}

/** The prompt of the default console image (images/console/README.md). */
export const CONSOLE_PROMPT = /\[only-docker console\][^\r\n]*?# /;

/** Milestones in boot order. The last one is where a person can type. */
export const MILESTONES: readonly MilestoneDef[] = [
  { key: 'initrdUnpackStart', label: 'initramfs unpack starts', line: /Trying to unpack rootfs image as initramfs/ },
  { key: 'initrdUnpacked', label: 'initramfs unpacked', line: /Freeing initrd memory/ },
  { key: 'initStart', label: 'init starts', line: /Run \/init as init process/ },
  { key: 'dockerReady', label: 'Docker ready', event: { od: 'docker', status: 'ready' } },
  { key: 'dhcpBound', label: 'DHCP lease', event: { od: 'dhcp', status: 'bound' } },
  { key: 'consoleReady', label: 'console started', event: { od: 'console', status: 'ready' } },
  { key: 'consolePrompt', label: 'console prompt', text: CONSOLE_PROMPT },
  { key: 'bootDone', label: 'boot done (event)', event: { od: 'boot', status: 'done' } },
];

/** The milestones the summary table leads with (the list). */
export const HEADLINE_MILESTONES = ['initStart', 'dockerReady', 'dhcpBound', 'consolePrompt'] as const;

export interface TimedEvent {
  /** `od:status`, or `od` for an event without a status. */
  key: string;
  t: number;
  event: OdEventLine;
}

export interface StepSpan {
  name: string;
  status: string;
  /** Host ms since power-on of the step's start line (a skipped step has none). */
  start?: number;
  /** Host ms since power-on of its done/skipped/failed line. */
  end?: number;
  /** The duration the guest measured itself ("ms" of the end line). */
  guestMs?: number;
  error?: string;
}

export interface BootTimeline {
  /** Host ms since power-on of each milestone seen (first occurrence). */
  milestones: Record<string, number>;
  /** Labels of every milestone seen, including ones made from unknown events. */
  labels: Record<string, string>;
  /** Milestone keys in boot order: the known ones, then others by time. */
  order: string[];
  steps: StepSpan[];
  events: TimedEvent[];
  outcome?: 'done' | 'failed';
  failedStep?: string;
  /** PID 1's VmRSS in kB when the init reported it ({"od":"memory","rssKb":N}). */
  rssKb?: number;
}

/** Lines that the inits print themselves (not the kernel). */
const INIT_LINE = /^(init: |reference-init: |\{"od":)/;

export function eventKey(event: OdEventLine): string {
  return typeof event.status === 'string' ? `${event.od}:${event.status}` : event.od;
}

function labelForEventKey(key: string): string {
  return key.replace(':', ' ');
}

export function parseBootTimeline(log: SerialLog, milestoneDefs: readonly MilestoneDef[] = MILESTONES): BootTimeline {
  const milestones: Record<string, number> = {};
  const labels: Record<string, string> = {};
  const events: TimedEvent[] = [];
  const steps = new Map<string, StepSpan>();
  const timeline: BootTimeline = { milestones, labels, order: [], steps: [], events };
  const mark = (key: string, label: string, t: number) => {
    if (milestones[key] !== undefined) return;
    milestones[key] = t;
    labels[key] = label;
  };
  let firstInitLine: number | undefined;

  for (const line of log.lines()) {
    if (firstInitLine === undefined && INIT_LINE.test(line.text)) firstInitLine = line.t;
    for (const def of milestoneDefs) {
      if (def.line?.test(line.text)) mark(def.key, def.label, line.t);
    }
    const event = parseEventLine(line.text);
    if (!event) continue;
    const key = eventKey(event);
    events.push({ key, t: line.t, event });
    if (event.od === 'step' && typeof event.name === 'string') {
      const span = steps.get(event.name) ?? { name: event.name, status: String(event.status) };
      steps.set(event.name, span);
      span.status = String(event.status);
      if (event.status === 'start') span.start = line.t;
      else span.end = line.t;
      if (typeof event.ms === 'number') span.guestMs = event.ms;
      if (typeof event.error === 'string') span.error = event.error;
      if (event.status === 'failed') timeline.failedStep ??= event.name;
      continue;
    }
    if (event.od === 'memory' && typeof event.rssKb === 'number') timeline.rssKb = event.rssKb;
    if (event.od === 'boot' && (event.status === 'done' || event.status === 'failed')) timeline.outcome = event.status;
    const known = milestoneDefs.find((def) => def.event && def.event.od === event.od && (def.event.status === undefined || def.event.status === event.status));
    if (known) mark(known.key, known.label, line.t);
    else mark(`event:${key}`, labelForEventKey(key), line.t);
  }

  // Text milestones (a prompt) are timed when their last character arrived.
  for (const def of milestoneDefs) {
    if (!def.text) continue;
    const match = def.text.exec(log.text);
    if (match) mark(def.key, def.label, log.timeAt(match.index + match[0].length - 1));
  }
  // Without the kernel's line (a quiet kernel), the init's first own line marks its start.
  if (milestones.initStart === undefined && firstInitLine !== undefined) {
    const def = milestoneDefs.find((d) => d.key === 'initStart');
    if (def) mark('initStart', def.label, firstInitLine);
  }

  const known = milestoneDefs.map((def) => def.key).filter((key) => milestones[key] !== undefined);
  const others = Object.keys(milestones)
    .filter((key) => !known.includes(key))
    .sort((a, b) => milestones[a]! - milestones[b]!);
  timeline.order = [...known, ...others];
  timeline.steps = [...steps.values()];
  return timeline;
}

/** A step's duration on the host clock, falling back to the guest's own count. */
export function stepDuration(span: StepSpan): number | undefined {
  if (span.start !== undefined && span.end !== undefined) return span.end - span.start;
  if (span.status === 'skipped') return 0;
  return span.guestMs;
}

/**
 * One step order for several boots: the first boot's order, with a step only another
 * boot ran placed between its neighbours there (before the next step both ran). Sorting
 * by time would mix the two inits' clocks (one may reach a step seconds earlier).
 */
export function mergeStepOrder(lists: readonly (readonly string[])[]): string[] {
  const order: string[] = [];
  for (const list of lists) {
    let after = 0;
    list.forEach((name, i) => {
      const at = order.indexOf(name);
      if (at >= 0) {
        after = at + 1;
        return;
      }
      const successor = list.slice(i + 1).find((next) => order.includes(next));
      const position = Math.max(after, successor === undefined ? order.length : order.indexOf(successor));
      order.splice(position, 0, name);
      after = position + 1;
    });
  }
  return order;
}
