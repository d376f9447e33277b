#!/usr/bin/env node
// The only-docker build CLI. Typed errors become exit codes here, and only here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildCommand } from './commands/build.ts';
import { benchCommand } from '../bench/bench-command.ts';
import { lockCommand } from './commands/lock.ts';
import { isoCommand, kvmCommand, tarballCommand } from './commands/outputs.ts';
import { exitCodeFor, describeError } from './errors.ts';

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('only-docker')
    .usage('$0 <command> [options]')
    .option('config', {
      alias: 'c',
      type: 'string',
      default: 'only-docker.json',
      describe: 'The build configuration file (validated strictly)',
    })
    .command(buildCommand)
    .command(lockCommand)
    .command(isoCommand)
    .command(tarballCommand)
    .command(kvmCommand)
    .command(benchCommand)
    .demandCommand(1, 'Name a command: build, lock, iso, tarball, kvm, bench')
    .strict()
    .help()
    .fail((message, err, instance) => {
      if (err) throw err;
      instance.showHelp();
      console.error(`\n${message}`);
      process.exit(64);
    })
    .parseAsync();
}

main().catch((err: unknown) => {
  console.error(`only-docker: ${describeError(err)}`);
  process.exit(exitCodeFor(err));
});
