// Writes dist/bench/: the timeline picture of the median run of each init on one axis,
// report.json and report.md; and prints the summary.
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { milestoneKeys, type BenchReport } from './bench-report.ts';
import type { BootRun, InitKind } from './boot-run.ts';
import { renderReport, terminalSummary } from './report-markdown.ts';
import { medianRunIndex } from './stats.ts';
import { svgToPng } from './svg-to-png.ts';
import { timelineSvg, type TimelineSeries } from './timeline-svg.ts';

const SERIES_COLORS: Record<InitKind, string> = { real: '#1f6feb', reference: '#d9822b' };
const SERIES_NAMES: Record<InitKind, string> = { real: 'only-docker init', reference: 'reference shell init (busybox sh)' };

/** The time a run's picture is ranked by: the console prompt, else the last thing it reached. */
function rankTime(run: BootRun): number | undefined {
  const t = run.timeline.milestones;
  return t.consolePrompt ?? (run.timeline.order.length ? Math.max(...run.timeline.order.map((k) => t[k]!)) : undefined);
}

export async function writeBenchFiles(report: BenchReport, runs: readonly BootRun[], benchDir: string): Promise<void> {
  const series: TimelineSeries[] = [];
  const picked: string[] = [];
  for (const kind of ['real', 'reference'] as const) {
    const ofKind = runs.filter((r) => r.kind === kind);
    const run = ofKind[medianRunIndex(ofKind.map(rankTime)) ?? 0];
    if (!run) continue;
    picked.push(`${kind} run ${run.index}`);
    series.push({ name: `${SERIES_NAMES[kind]}, run ${run.index} of ${ofKind.length}`, color: SERIES_COLORS[kind], milestones: run.timeline.milestones, steps: run.timeline.steps });
  }
  const { settings } = report;
  const svgPath = join(benchDir, 'timeline.svg');
  await writeFile(
    svgPath,
    timelineSvg({
      title: 'only-docker boot: the only-docker init against a reference shell init',
      subtitle: `${report.date}, QEMU ${settings.accel}, ${settings.cpus} vCPU, ${settings.memoryMb} MiB; median run of ${settings.runs} each (${picked.join(', ')})`,
      // The unpack has its own phase bar; its two ends as milestone rows would say it twice.
      milestoneRows: milestoneKeys([...runs]).filter(({ key }) => key !== 'initrdUnpackStart' && key !== 'initrdUnpacked'),
      series,
    }),
  );
  const png = await svgToPng(svgPath, join(benchDir, 'timeline.png'));
  const reportPath = join(benchDir, 'report.json');
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(benchDir, 'report.md'), renderReport(report, { svg: 'timeline.svg', ...(png.path ? { png: 'timeline.png' } : {}) }));
  console.log(`\n${terminalSummary(report)}\n`);
  console.log(`report: ${relative(process.cwd(), join(benchDir, 'report.md'))}, ${relative(process.cwd(), reportPath)}, ${relative(process.cwd(), svgPath)}${png.path ? `, ${relative(process.cwd(), png.path)}` : ` (${png.note})`}`);
}
