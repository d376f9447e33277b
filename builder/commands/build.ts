// `only-docker build`: dist/vmlinuz and dist/initrd.img from the configuration, as a
// list of tasks with progress (listr2; a plain renderer when stdout is not a terminal).
import type { CommandModule } from 'yargs';
import { Listr } from 'listr2';
import { loadConfig, withOverrides } from '../config/load-config.ts';
import { buildInitrd, type BuildContext } from '../initrd/build-initrd.ts';

interface BuildArgs {
  config: string;
  'out-dir'?: string;
  'cache-dir'?: string;
  compression?: 'zstd' | 'gzip';
  'compression-level'?: number;
  cmdline?: string;
}

export const buildCommand: CommandModule<{ config: string }, BuildArgs> = {
  command: 'build',
  describe: 'Build dist/vmlinuz and dist/initrd.img',
  builder: (yargs) =>
    yargs
      .option('out-dir', { type: 'string', describe: 'Output directory (config: outDir)' })
      .option('cache-dir', { type: 'string', describe: 'Download and work cache (config: cacheDir)' })
      .option('compression', { choices: ['zstd', 'gzip'] as const, describe: 'Initrd compression (config: compression.method)' })
      .option('compression-level', { type: 'number', describe: 'Compression level (config: compression.level)' })
      .option('cmdline', { type: 'string', describe: 'Default kernel command line (config: kernel.cmdline)' }),
  handler: async (args) => {
    const config = withOverrides(await loadConfig(args.config), {
      outDir: args['out-dir'],
      cacheDir: args['cache-dir'],
      compression: args.compression,
      compressionLevel: args['compression-level'],
      cmdline: args.cmdline,
    });
    const started = Date.now();
    const tasks = new Listr<BuildContext>(buildInitrd(config), {
      renderer: 'default',
      fallbackRenderer: 'simple',
      // Logs (CI, a pipe) get plain lines instead of a redrawn tree.
      fallbackRendererCondition: () => !process.stdout.isTTY,
      rendererOptions: { collapseSubtasks: false },
      exitOnError: true,
    });
    const ctx = await tasks.run();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`built ${ctx.outputs.join(', ')} in ${seconds} s`);
  },
};
