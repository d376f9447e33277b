// The benchmark from start to end: build (as `make build` does), write the reference
// initrd from the same records, prove the payloads equal, time a warm (and optionally a
// cold) build, boot both initrds alternately, and write dist/bench/.
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Listr, type ListrTask } from 'listr2';
import type { BuildConfig } from '../builder/config/schema.ts';
import { buildInitrd, type BuildContext } from '../builder/initrd/build-initrd.ts';
import { REPO_ROOT } from '../builder/project.ts';
import { chooseAccel, type AccelChoice } from './accel.ts';
import type { MachineOptions } from '../qemu/qemu-machine.ts';
import { bootOnce, type BootRun, type InitKind } from './boot-run.ts';
import { compareMilestones, compareSteps, evaluateGoals, NOISY_CORES, runRecords, type BenchReport } from './bench-report.ts';
import { coldBuildFigure, rssFigures, sizeFigures } from './bench-figures.ts';
import { waitForQuiet } from './host-noise.ts';
import { timeBuildCommand, timeColdBuild, type BuildTiming } from './build-timing.ts';
import { outputs, type OutputName } from '../builder/outputs/outputs.ts';
import type { OutputResult } from '../builder/outputs/output-types.ts';
import { outputInputs, outputTasks } from '../builder/commands/outputs.ts';
import { LISTR_OPTIONS } from '../builder/commands/listr-options.ts';
import { machineInfo } from './machine-info.ts';
import { digestInitrd } from './newc-digest.ts';
import { comparePayloads, PayloadMismatchError, type PayloadComparison } from './payload-compare.ts';
import { writeReferenceInitrd, type ReferenceInitrd } from './reference-initrd.ts';
import { writeBenchFiles } from './write-bench-files.ts';

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

const sec = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

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
    LISTR_OPTIONS,
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

  const vmOptions = (initrd: string, accel: 'kvm' | 'tcg'): MachineOptions => ({
    kernel: vmlinuz,
    initrd,
    accel,
    memoryMb: options.memoryMb,
    cpus: options.cpus,
    append: options.append,
  });

  const tasks: ListrTask<BenchContext>[] = [
    {
      title: 'Write the reference initrd (same records, /init is bench/reference-init.sh)',
      task: async (ctx, task) => {
        ctx.reference = await writeReferenceInitrd({
          tree: built.tree,
          systemImage: built.systemImage,
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
  const ctx = await new Listr<BenchContext>(tasks, LISTR_OPTIONS).run({ runs: [], discarded: [] } as unknown as BenchContext);

  // 3. The figures.
  const milestones = compareMilestones(ctx.runs);
  const steps = compareSteps(ctx.runs);
  const rss = rssFigures(ctx.runs);
  const sizes = await sizeFigures({ outDir, realInitrd, vmlinuz, built, compression: config.compression, reference: ctx.reference });
  const cold = await coldBuildFigure({ measured: ctx.cold?.ms, buildWasCold, buildMs, reportPath: join(benchDir, 'report.json') });
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
      ...(cold.ms !== undefined ? { coldMs: Math.round(cold.ms) } : {}),
      coldNote: cold.note,
      timingsMs: built.timings,
    },
    goals: evaluateGoals({ milestones, isoBytes: sizes.iso?.bytes, warmMs: ctx.warm?.ms, realRssKb: rss.real.median }),
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

  // 4. The picture and the report files.
  await writeBenchFiles(report, ctx.runs, benchDir);
  return report;
}
