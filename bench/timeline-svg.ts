// The boot timeline as a hand-written SVG: one row per milestone (a bar from power-on to
// the moment it was reached) and per step (a bar from its start to its end), both inits
// on one time axis, each bar labelled with seconds.
import { mergeStepOrder, type StepSpan } from './boot-timeline.ts';

export interface TimelineSeries {
  /** "only-docker init", "reference shell init". */
  name: string;
  color: string;
  /** Host ms since power-on. */
  milestones: Record<string, number>;
  steps: StepSpan[];
}

export interface TimelineInput {
  title: string;
  subtitle?: string;
  /** Milestone keys and labels, in the order of the rows. */
  milestoneRows: { key: string; label: string }[];
  series: TimelineSeries[];
}

interface Bar {
  from: number;
  to: number;
  text: string;
}

interface Row {
  label: string;
  kind: 'milestone' | 'phase' | 'step';
  bars: (Bar | undefined)[];
}

const WIDTH = 1200;
const LABEL_WIDTH = 250;
const RIGHT = 70;
const BAR_HEIGHT = 11;
const BAR_GAP = 2;
const ROW_GAP = 9;
const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 100 && ms > 0 ? 2 : 1)} s`;

/** Steps in the order they ran, the first series' order leading. */
export function stepOrder(series: readonly TimelineSeries[]): string[] {
  return mergeStepOrder(series.map((s) => s.steps.map((step) => step.name)));
}

function rowsOf(input: TimelineInput): Row[] {
  const rows: Row[] = [];
  const phase = (label: string, fromKey: string | undefined, toKey: string) => {
    const bars = input.series.map((s) => {
      const from = fromKey === undefined ? 0 : s.milestones[fromKey];
      const to = s.milestones[toKey];
      return from === undefined || to === undefined ? undefined : { from, to, text: seconds(to - from) };
    });
    if (bars.some(Boolean)) rows.push({ label, kind: 'phase', bars });
  };
  phase('kernel: power-on → /init', undefined, 'initStart');
  phase('kernel: unpack the initramfs', 'initrdUnpackStart', 'initrdUnpacked');
  // How long an init takes to get going (a Node binary loads and compiles first).
  const firstStep = input.series.map((s) => Math.min(...s.steps.map((step) => step.start ?? step.end ?? Infinity)));
  const startBars = input.series.map((s, i) => {
    const from = s.milestones.initStart;
    const to = firstStep[i]!;
    return from === undefined || !Number.isFinite(to) ? undefined : { from, to, text: seconds(to - from) };
  });
  if (startBars.some(Boolean)) rows.push({ label: 'init: exec → first step', kind: 'phase', bars: startBars });
  for (const name of stepOrder(input.series)) {
    rows.push({
      label: name,
      kind: 'step',
      bars: input.series.map((s) => {
        const step = s.steps.find((x) => x.name === name);
        if (!step) return undefined;
        const end = step.end ?? step.start;
        const start = step.start ?? step.end;
        if (start === undefined || end === undefined) return undefined;
        return { from: start, to: end, text: `${seconds(end - start)}${step.status === 'done' || step.status === 'start' ? '' : ` ${step.status}`}` };
      }),
    });
  }
  for (const { key, label } of input.milestoneRows) {
    const bars = input.series.map((s) => (s.milestones[key] === undefined ? undefined : { from: 0, to: s.milestones[key]!, text: seconds(s.milestones[key]!) }));
    rows.push({ label: `→ ${label}`, kind: 'milestone', bars });
  }
  return rows;
}

function niceStep(totalMs: number): number {
  for (const step of [1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000]) if (totalMs / step <= 14) return step;
  return 120_000;
}

export function timelineSvg(input: TimelineInput): string {
  const rows = rowsOf(input);
  const series = input.series.length;
  const rowHeight = series * (BAR_HEIGHT + BAR_GAP) + ROW_GAP;
  const top = 78 + 18 * Math.ceil(series / 2);
  const plotWidth = WIDTH - LABEL_WIDTH - RIGHT;
  const latest = Math.max(1000, ...rows.flatMap((row) => row.bars.map((bar) => bar?.to ?? 0)));
  const tick = niceStep(latest);
  const axisEnd = Math.ceil(latest / tick) * tick;
  const x = (ms: number) => LABEL_WIDTH + (ms / axisEnd) * plotWidth;
  const height = top + rows.length * rowHeight + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="bold">${escapeXml(input.title)}</text>`,
  );
  if (input.subtitle) out.push(`<text x="16" y="46" fill="#444444">${escapeXml(input.subtitle)}</text>`);
  input.series.forEach((s, i) => {
    const lx = 16 + (i % 2) * 560;
    const ly = 66 + 18 * Math.floor(i / 2);
    out.push(`<rect x="${lx}" y="${ly - 10}" width="14" height="11" fill="${s.color}"/>`, `<text x="${lx + 20}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  // Grid and axis labels (seconds since power-on).
  const plotBottom = top + rows.length * rowHeight;
  for (let t = 0; t <= axisEnd; t += tick) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${plotBottom}" stroke="#dddddd" stroke-width="1"/>`,
      `<text x="${x(t).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" fill="#444444">${t / 1000} s</text>`,
    );
  }
  out.push(`<text x="${LABEL_WIDTH + plotWidth / 2}" y="${plotBottom + 34}" text-anchor="middle" fill="#444444">seconds since power-on (host clock)</text>`);
  rows.forEach((row, r) => {
    const y = top + r * rowHeight;
    if (r % 2 === 0) out.push(`<rect x="0" y="${y - ROW_GAP / 2}" width="${WIDTH}" height="${rowHeight}" fill="#f6f6f6" opacity="0.6"/>`);
    const weight = row.kind === 'milestone' ? ' font-weight="bold"' : '';
    out.push(`<text x="${LABEL_WIDTH - 8}" y="${y + (series * (BAR_HEIGHT + BAR_GAP)) / 2 + 3}" text-anchor="end"${weight}>${escapeXml(row.label)}</text>`);
    row.bars.forEach((bar, i) => {
      const by = y + i * (BAR_HEIGHT + BAR_GAP);
      const color = input.series[i]!.color;
      if (!bar) {
        out.push(`<text x="${LABEL_WIDTH + 4}" y="${by + BAR_HEIGHT - 2}" font-size="10" fill="#999999">n/a</text>`);
        return;
      }
      const x1 = x(bar.from);
      const w = Math.max(1.5, x(bar.to) - x1);
      const opacity = row.kind === 'milestone' ? ' fill-opacity="0.45"' : '';
      out.push(
        `<rect class="bar ${row.kind}" data-series="${i}" x="${x1.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"${opacity}/>`,
        `<text x="${(x1 + w + 4).toFixed(1)}" y="${by + BAR_HEIGHT - 1.5}" font-size="10" fill="#222222">${escapeXml(bar.text)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
