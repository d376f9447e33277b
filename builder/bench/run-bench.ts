// The benchmark from start to end: build (as `make build` does), write the reference
// initrd from the same records, prove the payloads equal, time a warm (and optionally a
// cold) build, boot both initrds alternately, and write dist/bench/.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Listr, type ListrTask } from 'listr2';
import type { BuildConfig } from '../config/schema.ts';
import { buildInitrd, type BuildContext } from '../initrd/build-initrd.ts';
import { effectiveMethod } from '../cpio/compress.ts';
import { REPO_ROOT } from '../project.ts';
import { chooseAccel, type AccelChoice } from './accel.ts';
import type { BenchVmOptions } from './bench-vm.ts';
import { bootOnce, type BootRun, type InitKind } from './boot-run.ts';
import { compareMilestones, compareSteps, evaluateGoals, milestoneKeys, NOISY_CORES, runRecords, type BenchReport, type SizeFigures } from './bench-report.ts';
import { waitForQuiet } from './host-noise.ts';
import { timeBuildCommand, timeColdBuild, type BuildTiming } from './build-timing.ts';
import { outputs, type OutputName } from '../outputs/outputs.ts';
import type { OutputResult } from '../outputs/output-types.ts';
import { outputInputs, outputTasks } from '../commands/outputs.ts';
import { machineInfo } from './machine-info.ts';
import { digestInitrd } from './newc-digest.ts';
import { comparePayloads, PayloadMismatchError, type PayloadComparison } from './payload-compare.ts';
import { writeReferenceInitrd, type ReferenceInitrd } from './reference-initrd.ts';
import { renderReport, terminalSummary } from './report-markdown.ts';
import { medianRunIndex, summarize } from './stats.ts';
import { svgToPng } from './svg-to-png.ts';
import { timelineSvg, type TimelineSeries } from './timeline-svg.ts';

export interface BenchOptions {
  config: BuildConfig;
  configPath: string;
  /** The build overrides given on the command line, passed on to the timed builds. */
  buildArgs: string[];
  runs: number;
  accel: AccelChoice;
  memoryMb: number;
  cpus: number;
  append: string;
  timeoutS: number;
  graceS: number;
  cold: boolean;
  /** Boots again (this many times at most) when other work on the host disturbed one. */
  noisyRetries: number;
}

interface BenchContext {
  reference: ReferenceInitrd;
  payload: PayloadComparison;
  warm?: BuildTiming;
  /** Rebuilds before the timed one that were not warm (inputs changed meanwhile). */
  warmRetries?: number;
  cold?: BuildTiming;
  accel: { accel: 'kvm' | 'tcg'; note: string };
  runs: BootRun[];
  /** Boots thrown away because the host was busy with other work during them. */
  discarded: BootRun[];
}

export const SERIES_COLORS: Record<InitKind, string> = { real: '#1f6feb', reference: '#d9822b' };
export const SERIES_NAMES: Record<InitKind, string> = { real: 'only-docker init', reference: 'reference shell init (busybox sh)' };

const listrOptions = {
  renderer: 'default',
  fallbackRenderer: 'simple',
  fallbackRendererCondition: () => !process.stdout.isTTY,
  rendererOptions: { collapseSubtasks: false },
  exitOnError: true,
} as const;

const sec = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/** The time a run's picture is ranked by: the console prompt, else the last thing it reached. */
function rankTime(run: BootRun): number | undefined {
  const t = run.timeline.milestones;
  return t.consolePrompt ?? (run.timeline.order.length ? Math.max(...run.timeline.order.map((k) => t[k]!)) : undefined);
}

async function previousColdBuild(reportPath: string): Promise<{ coldMs: number; date: string } | undefined> {
  try {
    const previous = JSON.parse(await readFile(reportPath, 'utf8')) as BenchReport;
    if (previous.build?.coldMs !== undefined) return { coldMs: previous.build.coldMs, date: previous.date };
  } catch {
    // no earlier report
  }
  return undefined;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const { config } = options;
  const outDir = resolve(REPO_ROOT, config.outDir);
  const cacheDir = resolve(REPO_ROOT, config.cacheDir);
  const benchDir = join(outDir, 'bench');

  // 1. The real build, with the same tasks as `only-docker build` (the initrd, then every
  // output, so the ISO measured is the current one); its records are reused.
  const buildStarted = performance.now();
  const outputResults: OutputResult[] = [];
  const built = await new Listr<BuildContext>(
    [...buildInitrd(config), ...outputTasks<BuildContext>(Object.keys(outputs) as OutputName[], outputInputs(config), outputResults)],
    listrOptions,
  ).run();
  const buildMs = performance.now() - buildStarted;
  const buildWasCold = built.packages.length > 0 && built.packages.every((p) => !p.cached);

  await mkdir(benchDir, { recursive: true });
  const logDir = join(benchDir, 'logs');
  await rm(logDir, { recursive: true, force: true });
  // The benchmark compares and boots copies: the timed rebuild below (or anyone's build
  // while this runs) may write dist/ again, and the initrd booted must be the one proved.
  const realInitrd = join(benchDir, 'real-initrd.img');
  const vmlinuz = join(benchDir, 'vmlinuz');
  await copyFile(join(outDir, 'initrd.img'), realInitrd);
  await copyFile(join(outDir, 'vmlinuz'), vmlinuz);

  const vmOptions = (initrd: string, accel: 'kvm' | 'tcg'): BenchVmOptions => ({
    kernel: vmlinuz,
    initrd,
    accel,
    memoryMb: options.memoryMb,
    cpus: options.cpus,
    append: options.append,
  });

  const tasks: ListrTask<BenchContext>[] = [
    {
      title: 'Write the reference initrd (same records, /init is builder/bench/reference-init.sh)',
      task: async (ctx, task) => {
        ctx.reference = await writeReferenceInitrd({
          tree: built.tree,
          outPath: join(benchDir, 'reference-initrd.img'),
          workDir: join(cacheDir, 'bench'),
          compression: config.compression,
          mtime: config.sourceDateEpoch,
        });
        task.title = `Reference initrd: ${(ctx.reference.compressedBytes / 1e6).toFixed(1)} MB (${(ctx.reference.cpioBytes / 1e6).toFixed(1)} MB uncompressed)${ctx.reference.reused ? ', unchanged' : ''}`;
      },
    },
    {
      title: 'Compare the payloads of both archives',
      task: async (ctx, task) => {
        const [real, reference] = await Promise.all([digestInitrd(realInitrd), digestInitrd(ctx.reference.path)]);
        ctx.payload = comparePayloads(real, reference);
        if (!ctx.payload.ok) throw new PayloadMismatchError(ctx.payload.unexpected);
        task.title = `Same payload: ${ctx.payload.equalCount} of ${ctx.payload.rows.length} entries equal, only /init differs`;
      },
    },
    {
      title: 'Time a warm rebuild (the build command again)',
      task: async (ctx, task) => {
        // A rebuild that had to compress again was not warm: files changed since the
        // build above (people keep working while this runs). The next one is.
        // The build keeps dist/initrd.img untouched when its archive did not change.
        const initrdMtime = async () => (await stat(join(outDir, 'initrd.img'))).mtimeMs;
        for (let attempt = 1; attempt <= 3; attempt++) {
          const before = await initrdMtime();
          ctx.warm = await timeBuildCommand({ config: options.configPath, args: options.buildArgs });
          if ((await initrdMtime()) === before) break;
          ctx.warmRetries = attempt;
          task.output = `rebuild ${attempt} found changed inputs (${sec(ctx.warm.ms)}), again`;
        }
        task.title = `Warm rebuild: ${sec(ctx.warm!.ms)}${ctx.warmRetries ? ` (after ${ctx.warmRetries} rebuild(s) that found changed inputs)` : ''}`;
      },
    },
    {
      title: 'Time a cold build (fresh cache: downloads ~140 MB)',
      enabled: () => options.cold,
      task: async (ctx, task) => {
        ctx.cold = await timeColdBuild({ config: options.configPath, args: options.buildArgs });
        task.title = `Cold build: ${sec(ctx.cold.ms)}`;
      },
    },
    {
      title: 'Choose the accelerator',
      task: async (ctx, task) => {
        ctx.accel = await chooseAccel(options.accel);
        task.title = `Accelerator: ${ctx.accel.note}`;
      },
    },
    {
      title: `Boot each initrd ${options.runs} times, alternately`,
      task: (ctx, task) => {
        const order: { kind: InitKind; index: number }[] = [];
        for (let i = 1; i <= options.runs; i++) order.push({ kind: 'real', index: i }, { kind: 'reference', index: i });
        return task.newListr(
          order.map(({ kind, index }) => ({
            title: `${kind} ${index}`,
            task: async (_sub, subtask) => {
              let run: BootRun;
              for (let attempt = 1; ; attempt++) {
                // Under TCG a boot gets slower with every core something else takes.
                const load = await waitForQuiet(NOISY_CORES, 120_000);
                if (load !== undefined && load > NOISY_CORES) subtask.output = `the host stays busy (${load.toFixed(2)} cores of other work): booting anyway`;
                run = await bootOnce({
                  kind,
                  index,
                  vm: vmOptions(kind === 'real' ? realInitrd : ctx.reference.path, ctx.accel.accel),
                  timeoutMs: options.timeoutS * 1000,
                  graceMs: options.graceS * 1000,
                  logDir,
                  logName: attempt === 1 ? `${kind}-${index}` : `${kind}-${index}-try${attempt}`,
                });
                if ((run.otherCores ?? 0) <= NOISY_CORES || attempt > options.noisyRetries) break;
                ctx.discarded.push(run);
                subtask.output = `other work took ${run.otherCores!.toFixed(2)} cores during the boot: booting again`;
              }
              ctx.runs.push(run);
              const m = run.timeline.milestones;
              subtask.title =
                `${kind} ${index}: init ${sec(m.initStart)}, Docker ${sec(m.dockerReady)}, DHCP ${sec(m.dhcpBound)}, ` +
                `prompt ${sec(m.consolePrompt)}; stopped: ${run.stopReason}` +
                (run.rssKb !== undefined ? `; PID 1 VmRSS ${(run.rssKb / 1024).toFixed(1)} MiB` : '');
            },
          })),
          { concurrent: false, exitOnError: true },
        );
      },
    },
  ];
  const ctx = await new Listr<BenchContext>(tasks, listrOptions).run({ runs: [], discarded: [] } as unknown as BenchContext);

  // 3. The figures.
  const milestones = compareMilestones(ctx.runs);
  const steps = compareSteps(ctx.runs);
  const realRuns = ctx.runs.filter((r) => r.kind === 'real');
  const referenceRuns = ctx.runs.filter((r) => r.kind === 'reference');
  const rss = {
    real: summarize(realRuns.map((r) => r.rssKb)),
    reference: summarize(referenceRuns.map((r) => r.rssKb)),
    notes: ctx.runs.filter((r) => r.rssKb === undefined).map((r) => `${r.kind} ${r.index}: ${r.rssNote ?? 'not read'}`),
  };
  const isoPath = join(outDir, 'only-docker.iso');
  let iso: SizeFigures['iso'];
  if (existsSync(isoPath)) {
    const [isoStat, initrdStat] = await Promise.all([stat(isoPath), stat(join(outDir, 'initrd.img'))]);
    iso = { bytes: isoStat.size, modified: isoStat.mtime.toISOString().slice(0, 16).replace('T', ' '), olderThanInitrd: isoStat.mtimeMs < initrdStat.mtimeMs };
  }
  const sizes: SizeFigures = {
    real: {
      compressedBytes: (await stat(realInitrd)).size,
      uncompressedBytes: built.cpioBytes,
      entries: built.tree.size,
      compression: effectiveMethod(config.compression.method),
      level: config.compression.level,
    },
    reference: { compressedBytes: ctx.reference.compressedBytes, uncompressedBytes: ctx.reference.cpioBytes, entries: ctx.reference.entries },
    vmlinuzBytes: (await stat(vmlinuz)).size,
    components: built.components,
    ...(iso ? { iso } : {}),
  };
  const reportPath = join(benchDir, 'report.json');
  let coldMs = ctx.cold?.ms ?? (buildWasCold ? buildMs : undefined);
  let coldNote = ctx.cold !== undefined ? 'measured now (--cold)' : buildWasCold ? "this run's build (nothing was cached)" : '';
  if (coldMs === undefined) {
    const previous = await previousColdBuild(reportPath);
    if (previous) {
      coldMs = previous.coldMs;
      coldNote = `measured ${previous.date} (an earlier benchmark)`;
    } else {
      coldNote = 'not measured: run with --cold (downloads ~140 MB)';
    }
  }
  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: await machineInfo(),
    settings: {
      runs: options.runs,
      accel: ctx.accel.accel,
      accelNote: ctx.accel.note,
      memoryMb: options.memoryMb,
      cpus: options.cpus,
      append: options.append,
      timeoutS: options.timeoutS,
      graceS: options.graceS,
      noisyRetries: options.noisyRetries,
    },
    milestones,
    steps,
    rss,
    sizes,
    build: {
      thisRunMs: Math.round(buildMs),
      thisRunCold: buildWasCold,
      ...(ctx.warm !== undefined ? { warmMs: Math.round(ctx.warm.ms), warmTasks: ctx.warm.tasks.map((t) => ({ title: t.title, ms: Math.round(t.ms) })) } : {}),
      ...(ctx.warm?.startupMs !== undefined ? { warmStartupMs: Math.round(ctx.warm.startupMs) } : {}),
      ...(ctx.warmRetries ? { warmNote: `after ${ctx.warmRetries} rebuild(s) that found inputs changed since the benchmark's build` } : {}),
      ...(coldMs !== undefined ? { coldMs: Math.round(coldMs) } : {}),
      coldNote,
      timingsMs: built.timings,
    },
    goals: evaluateGoals({ milestones, isoBytes: iso?.bytes, warmMs: ctx.warm?.ms, realRssKb: rss.real.median }),
    payload: {
      equalCount: ctx.payload.equalCount,
      differing: ctx.payload.differing,
      unexpected: ctx.payload.unexpected,
      ok: ctx.payload.ok,
      entries: ctx.payload.rows,
    },
    runs: runRecords(ctx.runs),
    discardedRuns: runRecords(ctx.discarded),
  };

  // 4. The picture: the median run of each init, on one axis.
  const series: TimelineSeries[] = [];
  const picked: string[] = [];
  for (const kind of ['real', 'reference'] as const) {
    const runs = ctx.runs.filter((r) => r.kind === kind);
    const index = medianRunIndex(runs.map(rankTime));
    const run = runs[index ?? 0];
    if (!run) continue;
    picked.push(`${kind} run ${run.index}`);
    series.push({ name: `${SERIES_NAMES[kind]}, run ${run.index} of ${runs.length}`, color: SERIES_COLORS[kind], milestones: run.timeline.milestones, steps: run.timeline.steps });
  }
  const svgPath = join(benchDir, 'timeline.svg');
  await writeFile(
    svgPath,
    timelineSvg({
      title: 'only-docker boot: the only-docker init against a reference shell init',
      subtitle: `${report.date}, QEMU ${report.settings.accel}, ${options.cpus} vCPU, ${options.memoryMb} MiB; median run of ${options.runs} each (${picked.join(', ')})`,
      // The unpack has its own phase bar; its two ends as milestone rows would say it twice.
      milestoneRows: milestoneKeys(ctx.runs).filter(({ key }) => key !== 'initrdUnpackStart' && key !== 'initrdUnpacked'),
      series,
    }),
  );
  const png = await svgToPng(svgPath, join(benchDir, 'timeline.png'));
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(benchDir, 'report.md'), renderReport(report, { svg: 'timeline.svg', ...(png.path ? { png: 'timeline.png' } : {}) }));
  console.log(`\n${terminalSummary(report)}\n`);
  console.log(`report: ${relative(process.cwd(), join(benchDir, 'report.md'))}, ${relative(process.cwd(), reportPath)}, ${relative(process.cwd(), svgPath)}${png.path ? `, ${relative(process.cwd(), png.path)}` : ` (${png.note})`}`);
  return report;
}
