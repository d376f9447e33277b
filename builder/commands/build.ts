// `only-docker build`: dist/vmlinuz and dist/initrd.img from the configuration, as a
// list of tasks with progress (listr2; a plain renderer when stdout is not a terminal).
import type { CommandModule } from 'yargs';
import { Listr } from 'listr2';
import { loadConfig, withOverrides } from '../config/load-config.ts';
import { INITRD_LAYOUTS, type InitrdLayout } from '../config/schema.ts';
import { buildInitrd, type BuildContext } from '../initrd/build-initrd.ts';
import { outputs, type OutputName } from '../outputs/outputs.ts';
import type { OutputResult } from '../outputs/output-types.ts';
import { LISTR_OPTIONS } from './listr-options.ts';
import { outputInputs, outputTasks } from './outputs.ts';

const OUTPUT_NAMES = Object.keys(outputs) as OutputName[];

interface BuildArgs {
  config: string;
  'out-dir'?: string;
  'cache-dir'?: string;
  compression?: 'zstd' | 'gzip';
  'compression-level'?: number;
  'initrd-layout'?: InitrdLayout;
  cmdline?: string;
  outputs: OutputName[];
}

export const buildCommand: CommandModule<{ config: string }, BuildArgs> = {
  command: 'build',
  describe: 'Build dist/vmlinuz and dist/initrd.img, then the outputs (run.sh, the ISO, the release tarball)',
  builder: (yargs) =>
    yargs
      .option('out-dir', { type: 'string', describe: 'Output directory (config: outDir)' })
      .option('cache-dir', { type: 'string', describe: 'Download and work cache (config: cacheDir)' })
      .option('compression', { choices: ['zstd', 'gzip'] as const, describe: 'Initrd compression (config: compression.method)' })
      .option('compression-level', { type: 'number', describe: 'Compression level (config: compression.level)' })
      .option('initrd-layout', {
        choices: INITRD_LAYOUTS,
        describe: 'unpacked: one archive the kernel unpacks; system-image: Docker in a squashfs the init mounts, for small memory (config: initrd.layout)',
      })
      .option('cmdline', { type: 'string', describe: 'Default kernel command line (config: kernel.cmdline)' })
      .option('outputs', {
        type: 'string',
        default: OUTPUT_NAMES.join(','),
        coerce: (value: string | string[]) => {
          const names = [value].flat().flatMap((n) => String(n).split(',')).filter(Boolean);
          const unknown = names.filter((n) => !(OUTPUT_NAMES as string[]).includes(n));
          if (unknown.length > 0) throw new Error(`unknown output "${unknown.join('", "')}": choose from ${OUTPUT_NAMES.join(', ')}`);
          return names as OutputName[];
        },
        describe: `Outputs written after the initrd, comma-separated (${OUTPUT_NAMES.join(', ')}; none: --outputs "")`,
      }),
  handler: async (args) => {
    const config = withOverrides(await loadConfig(args.config), {
      outDir: args['out-dir'],
      cacheDir: args['cache-dir'],
      compression: args.compression,
      compressionLevel: args['compression-level'],
      cmdline: args.cmdline,
      initrdLayout: args['initrd-layout'],
    });
    const started = Date.now();
    const results: OutputResult[] = [];
    const wanted = OUTPUT_NAMES.filter((name) => args.outputs.includes(name));
    const tasks = new Listr<BuildContext>([...buildInitrd(config), ...outputTasks<BuildContext>(wanted, outputInputs(config), results)], LISTR_OPTIONS);
    const ctx = await tasks.run();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    for (const note of results.flatMap((r) => r.notes ?? [])) console.log(`note: ${note}`);
    console.log(`built ${[...ctx.outputs, ...results.map((r) => r.path)].join(', ')} in ${seconds} s`);
  },
};
