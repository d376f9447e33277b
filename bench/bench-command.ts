// `only-docker bench`: the boot benchmark against a reference shell init, written to
// dist/bench/ (report.md, report.json, timeline.svg/.png). It builds what it needs.
import type { CommandModule } from 'yargs';
import { spawnSync } from 'node:child_process';
import { loadConfig, withOverrides } from '../builder/config/load-config.ts';
import { findHostTool } from '../builder/sources/host-tools.ts';
import { runBench } from './run-bench.ts';
import type { AccelChoice } from './accel.ts';

interface BenchArgs {
  config: string;
  runs: number;
  accel: AccelChoice;
  memory: number;
  cpus: number;
  append: string;
  timeout: number;
  grace: number;
  cold: boolean;
  'noisy-retries': number;
  lock: boolean;
  'out-dir'?: string;
  'cache-dir'?: string;
  'compression-level'?: number;
}

/** The machine-wide lock every build and QEMU run on these hosts takes. */
export const DIST_LOCK = process.env.OD_DIST_LOCK ?? '/tmp/od-dist.lock';
const LOCKED_ENV = 'OD_BENCH_LOCK_HELD';

/**
 * Runs this same command again under flock(1), so the builds and boots of the benchmark
 * never overlap another build or VM. Returns the exit status, or undefined when the lock
 * is already held by us (or cannot be taken: no flock) and the benchmark runs here.
 */
function reexecUnderLock(): number | undefined {
  if (process.env[LOCKED_ENV]) return undefined;
  const flock = findHostTool('flock');
  if (!flock) {
    console.error('bench: no flock (util-linux): running without the machine-wide lock');
    return undefined;
  }
  if (spawnSync(flock, ['-n', DIST_LOCK, 'true']).status !== 0) {
    console.error(`bench: waiting for ${DIST_LOCK} (another build or VM is running)`);
  }
  const result = spawnSync(flock, [DIST_LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [LOCKED_ENV]: '1' },
  });
  return result.status ?? 1;
}

export const benchCommand: CommandModule<{ config: string }, BenchArgs> = {
  command: 'bench',
  describe: 'Boot benchmark: the real initrd against a reference shell init (dist/bench/)',
  builder: (yargs) =>
    yargs
      .option('runs', { type: 'number', default: 3, describe: 'Boots of each initrd (alternating)' })
      .option('accel', { choices: ['auto', 'kvm', 'tcg'] as const, default: 'auto' as AccelChoice, describe: 'QEMU accelerator (auto: KVM when it can start a vCPU)' })
      .option('memory', { type: 'number', default: 2048, describe: 'Guest memory in MiB' })
      .option('cpus', { type: 'number', default: 2, describe: 'Virtual CPUs' })
      .option('append', { type: 'string', default: '', describe: 'Extra kernel command line for both initrds' })
      .option('timeout', { type: 'number', default: 300, describe: 'Seconds after power-on to give up on a boot' })
      .option('grace', { type: 'number', default: 20, describe: 'Seconds to wait for a console prompt after the init reports its boot done' })
      .option('cold', { type: 'boolean', default: false, describe: 'Also time a cold build with a fresh cache (downloads ~140 MB)' })
      .option('noisy-retries', { type: 'number', default: 2, describe: 'Boot again, at most this many times, when other work on the host disturbed a boot' })
      .option('lock', { type: 'boolean', default: true, describe: `Take ${DIST_LOCK} for the whole run (--no-lock when the caller holds it)` })
      .option('out-dir', { type: 'string', describe: 'Output directory (config: outDir)' })
      .option('cache-dir', { type: 'string', describe: 'Download and work cache (config: cacheDir)' })
      .option('compression-level', { type: 'number', describe: 'Compression level of both initrds (config: compression.level)' })
      .check((args) => {
        if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs takes a whole number ≥ 1');
        return true;
      }),
  handler: async (args) => {
    if (args.lock) {
      const status = reexecUnderLock();
      if (status !== undefined) {
        process.exitCode = status;
        return;
      }
    }
    const config = withOverrides(await loadConfig(args.config), {
      outDir: args['out-dir'],
      cacheDir: args['cache-dir'],
      compressionLevel: args['compression-level'],
    });
    const buildArgs = [
      ...(args['out-dir'] ? ['--out-dir', args['out-dir']] : []),
      ...(args['cache-dir'] ? ['--cache-dir', args['cache-dir']] : []),
      ...(args['compression-level'] !== undefined ? ['--compression-level', String(args['compression-level'])] : []),
    ];
    await runBench({
      config,
      configPath: args.config,
      buildArgs,
      runs: args.runs,
      accel: args.accel,
      memoryMb: args.memory,
      cpus: args.cpus,
      append: args.append,
      timeoutS: args.timeout,
      graceS: args.grace,
      cold: args.cold,
      noisyRetries: args['noisy-retries'],
    });
  },
};
