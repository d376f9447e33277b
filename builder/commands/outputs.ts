// `only-docker iso`, `tarball` and `kvm`: write outputs from the built
// dist/vmlinuz and dist/initrd.img (make build first), skipping those already up to date.
import type { CommandModule } from 'yargs';
import { join, relative } from 'node:path';
import { Listr, type ListrTask } from 'listr2';
import { LISTR_OPTIONS } from './listr-options.ts';
import { loadConfig, withOverrides } from '../config/load-config.ts';
import { projectVersion } from '../project.ts';
import { outputs, COMMAND_OUTPUTS, type OutputName } from '../outputs/outputs.ts';
import type { BuildConfig } from '../config/schema.ts';
import type { OutputInputs, OutputResult } from '../outputs/output-types.ts';
import { requireArtifacts } from '../outputs/artifacts.ts';

interface OutputArgs {
  config: string;
  'out-dir'?: string;
  cmdline?: string;
  force?: boolean;
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Output inputs from the configuration: the built kernel and initrd in outDir. */
export function outputInputs(config: BuildConfig, force = false): OutputInputs {
  return {
    outDir: config.outDir,
    vmlinuz: join(config.outDir, 'vmlinuz'),
    initrd: join(config.outDir, 'initrd.img'),
    cmdline: config.kernel.cmdline,
    version: projectVersion(),
    sourceDateEpoch: config.sourceDateEpoch,
    force,
  };
}

/** One listr task per output, in table order; results are collected for their notes. */
export function outputTasks<Ctx>(names: OutputName[], inputs: OutputInputs, results: OutputResult[]): ListrTask<Ctx>[] {
  return names.map((name) => ({
    title: `${name}`,
    task: async (_ctx, task) => {
      const result = await outputs[name](inputs);
      results.push(result);
      task.title = `${name}: ${relative(process.cwd(), result.path)} (${sizeText(result.bytes)}${result.skipped ? ', up to date' : ''})`;
    },
  }));
}

async function runOutputs(command: keyof typeof COMMAND_OUTPUTS, args: OutputArgs): Promise<void> {
  const config = withOverrides(await loadConfig(args.config), { outDir: args['out-dir'], cmdline: args.cmdline });
  const inputs = outputInputs(config, args.force ?? false);
  // Before any task: a missing build is one clear line, not a failed task tree.
  await requireArtifacts(inputs);
  const results: OutputResult[] = [];
  const tasks = new Listr(outputTasks(COMMAND_OUTPUTS[command], inputs, results), LISTR_OPTIONS);
  await tasks.run();
  for (const note of results.flatMap((r) => r.notes ?? [])) console.log(`note: ${note}`);
}

const builder = (yargs: import('yargs').Argv<{ config: string }>) =>
  yargs
    .option('out-dir', { type: 'string', describe: 'Where dist/vmlinuz and dist/initrd.img are, and the outputs go (config: outDir)' })
    .option('cmdline', { type: 'string', describe: 'Default kernel command line (config: kernel.cmdline)' })
    .option('force', { type: 'boolean', describe: 'Write the outputs even when they are up to date' });

export const isoCommand: CommandModule<{ config: string }, OutputArgs> = {
  command: 'iso',
  describe: 'Write dist/only-docker.iso (BIOS and UEFI, CD and USB), dist/kvm/run.sh and dist/virtualbox/create-vm.sh',
  builder,
  handler: (args) => runOutputs('iso', args),
};

export const tarballCommand: CommandModule<{ config: string }, OutputArgs> = {
  command: 'tarball',
  describe: 'Write the release bundle dist/only-docker.tar.gz (with the ISO when it is up to date)',
  builder,
  handler: (args) => runOutputs('tarball', args),
};

export const kvmCommand: CommandModule<{ config: string }, OutputArgs> = {
  command: 'kvm',
  describe: 'Write dist/kvm/run.sh and dist/virtualbox/create-vm.sh (what make run needs)',
  builder,
  handler: (args) => runOutputs('kvm', args),
};
