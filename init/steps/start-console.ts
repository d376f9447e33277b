import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import type { BootContext, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { ConsoleSupervisor } from '../supervise/console-supervisor.ts';
import { quietConsoleLevel, setConsoleLogLevel, shouldQuietKernelConsole } from '../supervise/kernel-log-level.ts';
import { probeTerminal, terminalsFromCmdline } from '../supervise/terminal.ts';
import { describeError } from '../runner.ts';
import { initVersion } from '../version.ts';

/** How long the step waits for the first consoles to run before it lets the boot end anyway. */
const readyWaitMs = 120_000;

/** The terminals to put a console on: od.console, else the kernel's console= ones; only those that open. */
export function consoleTerminals(ctx: BootContext, cmdline: string): string[] {
  const wanted = ctx.config.console.terminals ?? terminalsFromCmdline(cmdline);
  const usable: string[] = [];
  for (const tty of wanted) {
    try {
      probeTerminal(ctx.paths.devDir, tty);
      usable.push(tty);
    } catch (error) {
      ctx.console.warn(`no console on ${tty}: ${describeError(error)}`);
    }
  }
  return usable;
}

/**
 * The dom0 console: one console container per terminal (serial port, screen), each
 * respawned when it exits, supervised by PID 1 after the plan. Last in the plan: after
 * the first lease, so Docker copies a resolv.conf with the lease's name servers into
 * it. The step ends when every console runs, so its time is the time to the prompt.
 */
export const startConsole: Step = {
  name: 'startConsole',
  required: false,
  async run(ctx) {
    const cmdline = readFileSync(ctx.paths.procCmdline, 'utf8');
    const terminals = consoleTerminals(ctx, cmdline);
    if (terminals.length === 0) {
      return { skipped: ctx.config.console.terminals?.length === 0 ? 'od.console=none' : 'no usable terminal' };
    }
    accessSync(ctx.paths.dockerCli, fsConstants.X_OK);
    if (shouldQuietKernelConsole(cmdline, ctx.config.debug)) {
      try {
        setConsoleLogLevel(ctx.paths.procSysKernelPrintk, quietConsoleLevel);
        ctx.console.info(`kernel console messages below errors now go to dmesg only (loglevel=N on the command line keeps yours)`);
      } catch (error) {
        ctx.console.debug(`cannot lower the kernel console log level: ${describeError(error)}`);
      }
    }
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const bootStartedAt = ctx.bootStartedAt ?? 0;
    const consoles = terminals.map(
      (tty) =>
        new ConsoleSupervisor({
          tty,
          client,
          log: { info: (m) => ctx.console.info(m), warn: (m) => ctx.console.warn(m) },
          emit: (event) => ctx.console.event(event),
          sinceBoot: () => performance.now() - bootStartedAt,
          devDir: ctx.paths.devDir,
          dockerCli: ctx.paths.dockerCli,
          dockerSocket: ctx.paths.dockerSocket,
          busybox: ctx.paths.busybox,
          imageOverride: ctx.config.console.image,
          version: initVersion,
        }),
    );
    (ctx.supervised ??= []).push(...consoles);
    for (const supervisor of consoles) supervisor.start();
    ctx.console.info(`console containers on ${terminals.join(', ')}`);

    const ready = await Promise.race([
      Promise.all(consoles.map((supervisor) => supervisor.firstReady)).then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, readyWaitMs, false).unref()),
    ]);
    if (!ready) {
      const waiting = consoles.filter((supervisor) => supervisor.readyCount === 0).map((supervisor) => supervisor.tty);
      ctx.console.warn(`no console running on ${waiting.join(', ')} after ${readyWaitMs / 1000} s; still trying`);
    }
  },
};
