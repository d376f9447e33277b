// The benchmark's figures, computed from the runs and the build: what report.json holds
// and report.md and the terminal table show.
import { HEADLINE_MILESTONES, MILESTONES, mergeStepOrder, stepDuration } from './boot-timeline.ts';
import type { BootRun, InitKind } from './boot-run.ts';
import { ratio, summarize, type Summary } from './stats.ts';
import type { PayloadComparison } from './payload-compare.ts';
import type { ComponentSize } from '../builder/initrd/build-initrd.ts';

export interface Compared {
  key: string;
  label: string;
  real: Summary;
  reference: Summary;
  /** real / reference of the medians. */
  ratio?: number;
}

export interface SizeFigures {
  real: { compressedBytes: number; uncompressedBytes: number; entries: number; compression: string; level: number };
  reference: { compressedBytes: number; uncompressedBytes: number; entries: number };
  vmlinuzBytes?: number;
  components: Record<string, ComponentSize>;
  iso?: { bytes: number; modified: string; olderThanInitrd: boolean };
}

export interface BuildFigures {
  /** The build this benchmark ran before booting (what `make build` does). */
  thisRunMs: number;
  thisRunCold: boolean;
  warmMs?: number;
  /** Node and tsx starting, before the warm rebuild's first task. */
  warmStartupMs?: number;
  /** The warm rebuild's tasks and how long each took. */
  warmTasks?: { title: string; ms: number }[];
  warmNote?: string;
  coldMs?: number;
  coldNote: string;
  timingsMs?: Record<string, number>;
}

export type GoalStatus = 'met' | 'missed' | 'not measured';

export interface Goal {
  name: string;
  target: string;
  measured: string;
  status: GoalStatus;
  /** How far from the target, in words ("by 0.12", "with 4.1 s to spare"). */
  margin?: string;
}

export interface BenchSettings {
  runs: number;
  accel: string;
  accelNote: string;
  memoryMb: number;
  cpus: number;
  append: string;
  timeoutS: number;
  graceS: number;
  noisyRetries: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  qemu: string;
}

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  settings: BenchSettings;
  milestones: Compared[];
  steps: Compared[];
  rss: { real: Summary; reference: Summary; notes: string[] };
  sizes: SizeFigures;
  build: BuildFigures;
  goals: Goal[];
  payload: Omit<PayloadComparison, 'rows'> & { entries: PayloadComparison['rows'] };
  runs: {
    kind: InitKind;
    index: number;
    stopReason: string;
    stoppedAtMs: number;
    milestonesMs: Record<string, number>;
    steps: { name: string; status: string; startMs?: number; endMs?: number; guestMs?: number; error?: string }[];
    rssKb?: number;
    rssNote?: string;
    otherCores?: number;
    logs: { serial: string; text: string };
  }[];
  /** Boots done again because other work on the host disturbed them. */
  discardedRuns: BenchReport['runs'];
}

const byKind = (runs: readonly BootRun[], kind: InitKind) => runs.filter((run) => run.kind === kind);

/** Every milestone seen in any run, the known ones in boot order, the others by time. */
export function milestoneKeys(runs: readonly BootRun[]): { key: string; label: string }[] {
  const labels = new Map<string, string>();
  const firstTime = new Map<string, number>();
  for (const run of runs) {
    for (const key of run.timeline.order) {
      labels.set(key, run.timeline.labels[key]!);
      const t = run.timeline.milestones[key]!;
      firstTime.set(key, Math.min(t, firstTime.get(key) ?? Infinity));
    }
  }
  // The milestones always get a row: "n/a" says an init has not reached them yet.
  for (const key of HEADLINE_MILESTONES) if (!labels.has(key)) labels.set(key, MILESTONES.find((m) => m.key === key)!.label);
  const known = MILESTONES.map((m) => m.key).filter((key) => labels.has(key));
  const others = [...labels.keys()].filter((key) => !known.includes(key)).sort((a, b) => firstTime.get(a)! - firstTime.get(b)!);
  return [...known, ...others].map((key) => ({ key, label: labels.get(key)! }));
}

export function compareMilestones(runs: readonly BootRun[]): Compared[] {
  return milestoneKeys(runs).map(({ key, label }) => {
    const real = summarize(byKind(runs, 'real').map((run) => run.timeline.milestones[key]));
    const reference = summarize(byKind(runs, 'reference').map((run) => run.timeline.milestones[key]));
    const r = ratio(real, reference);
    return { key, label, real, reference, ...(r !== undefined ? { ratio: r } : {}) };
  });
}

export function compareSteps(runs: readonly BootRun[]): Compared[] {
  const names = mergeStepOrder([...byKind(runs, 'real'), ...byKind(runs, 'reference')].map((run) => run.timeline.steps.map((step) => step.name)));
  return names.map((name) => {
    const durations = (kind: InitKind) =>
      byKind(runs, kind).map((run) => {
        const step = run.timeline.steps.find((s) => s.name === name);
        return step ? stepDuration(step) : undefined;
      });
    const real = summarize(durations('real'));
    const reference = summarize(durations('reference'));
    const r = ratio(real, reference);
    return { key: name, label: name, real, reference, ...(r !== undefined ? { ratio: r } : {}) };
  });
}

const MB = 1e6;

export function evaluateGoals(input: { milestones: Compared[]; isoBytes?: number; warmMs?: number; realRssKb?: number }): Goal[] {
  const goals: Goal[] = [];
  const prompt = input.milestones.find((m) => m.key === 'consolePrompt');
  if (prompt?.ratio !== undefined) {
    const met = prompt.ratio <= 1.0;
    goals.push({
      name: 'boot to console prompt, real / reference',
      target: '≤ 1.00',
      measured: `${prompt.ratio.toFixed(2)} (${(prompt.real.median! / 1000).toFixed(1)} s / ${(prompt.reference.median! / 1000).toFixed(1)} s)`,
      status: met ? 'met' : 'missed',
      margin: met
        ? `${((prompt.reference.median! - prompt.real.median!) / 1000).toFixed(1)} s faster than the reference`
        : `by ${(prompt.ratio - 1).toFixed(2)} (${((prompt.real.median! - prompt.reference.median!) / 1000).toFixed(1)} s slower)`,
    });
  } else {
    const missing = [prompt?.real.n ? undefined : 'the real init', prompt?.reference.n ? undefined : 'the reference init'].filter(Boolean).join(' and ');
    goals.push({ name: 'boot to console prompt, real / reference', target: '≤ 1.00', measured: `n/a (no prompt from ${missing})`, status: 'not measured' });
  }
  const limit = (name: string, value: number | undefined, max: number, unit: string, scale: number, digits: number, why: string) => {
    if (value === undefined) {
      goals.push({ name, target: `≤ ${max} ${unit}`, measured: `n/a (${why})`, status: 'not measured' });
      return;
    }
    const shown = value / scale;
    const met = shown <= max;
    goals.push({
      name,
      target: `≤ ${max} ${unit}`,
      measured: `${shown.toFixed(digits)} ${unit}`,
      status: met ? 'met' : 'missed',
      margin: met ? `${(max - shown).toFixed(digits)} ${unit} to spare` : `by ${(shown - max).toFixed(digits)} ${unit}`,
    });
  };
  limit('ISO size', input.isoBytes, 90, 'MB', MB, 1, 'no dist/only-docker.iso: make iso');
  limit('warm rebuild', input.warmMs, 15, 's', 1000, 1, 'not run');
  limit("PID 1's resident memory after boot (real init)", input.realRssKb === undefined ? undefined : input.realRssKb * 1024, 60, 'MB', MB, 1, 'no console prompt to read /proc/1/status at');
  return goals;
}

export function runRecords(runs: readonly BootRun[]): BenchReport['runs'] {
  return runs.map((run) => ({
    kind: run.kind,
    index: run.index,
    stopReason: run.stopReason,
    stoppedAtMs: Math.round(run.stoppedAt),
    milestonesMs: Object.fromEntries(run.timeline.order.map((key) => [key, Math.round(run.timeline.milestones[key]!)])),
    steps: run.timeline.steps.map((step) => ({
      name: step.name,
      status: step.status,
      ...(step.start !== undefined ? { startMs: Math.round(step.start) } : {}),
      ...(step.end !== undefined ? { endMs: Math.round(step.end) } : {}),
      ...(step.guestMs !== undefined ? { guestMs: step.guestMs } : {}),
      ...(step.error !== undefined ? { error: step.error } : {}),
    })),
    ...(run.rssKb !== undefined ? { rssKb: run.rssKb } : {}),
    ...(run.rssNote !== undefined ? { rssNote: run.rssNote } : {}),
    ...(run.otherCores !== undefined ? { otherCores: run.otherCores } : {}),
    logs: run.logs,
  }));
}

/** Above this much other work (in cores) during a boot, its times are not to be trusted. */
export const NOISY_CORES = 0.25;

export function noisyRuns(runs: BenchReport['runs']): string[] {
  return runs.filter((run) => (run.otherCores ?? 0) > NOISY_CORES).map((run) => `${run.kind} ${run.index} (${run.otherCores!.toFixed(2)} cores)`);
}
