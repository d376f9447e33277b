import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import type { BootContext, BootPaths, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import type { ConsoleMountOptions } from '../supervise/console-container.ts';
import { ConsoleSupervisor } from '../supervise/console-supervisor.ts';
import { quietConsoleLevel, setConsoleLogLevel, shouldQuietKernelConsole } from '../supervise/kernel-log-level.ts';
import { probeTerminal } from '../supervise/terminal.ts';
import { describeError } from '../../contract/errors.ts';
import { initVersion } from '../version.ts';
import { within } from '../sys/within.ts';

/** How long the step waits for the first consoles to run before it lets the boot end anyway. */
const readyWaitMs = 120_000;

/** The terminals to put a console on: od.console, else the kernel's console= ones; only those that open. */
export function consoleTerminals(ctx: BootContext): string[] {
  const wanted = ctx.config.console.terminals ?? ctx.config.kernel.consoles;
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
 * The host's paths every console container gets, and the SSH server, which runs the
 * console's environment too. A build without compose and buildx has no plugin
 * directory: the CLI comes alone then.
 */
export function consoleMounts(paths: BootPaths): ConsoleMountOptions {
  const plugins = existsSync(paths.dockerCliPlugins) ? paths.dockerCliPlugins : undefined;
  return { dockerSocket: paths.dockerSocket, dockerCli: paths.dockerCli, ...(plugins ? { dockerCliPlugins: plugins } : {}) };
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
    const terminals = consoleTerminals(ctx);
    if (terminals.length === 0) {
      return { skipped: ctx.config.console.terminals?.length === 0 ? 'od.console=none' : 'no usable terminal' };
    }
    accessSync(ctx.paths.dockerCli, fsConstants.X_OK);
    const mounts = consoleMounts(ctx.paths);
    if (!mounts.dockerCliPlugins) ctx.console.info(`no docker CLI plugins in ${ctx.paths.dockerCliPlugins}: the consoles get the docker CLI without compose and buildx`);
    if (shouldQuietKernelConsole(ctx.config)) {
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
          ...mounts,
          busybox: ctx.paths.busybox,
          imageOverride: ctx.config.console.image,
          ...(ctx.dockerdSupervisor ? { dockerdRestarts: ctx.dockerdSupervisor } : {}),
          version: initVersion,
        }),
    );
    (ctx.supervised ??= []).push(...consoles);
    for (const supervisor of consoles) supervisor.start();
    ctx.console.info(`console containers on ${terminals.join(', ')}`);

    const ready = await within(Promise.all(consoles.map((supervisor) => supervisor.firstReady)).then(() => true), readyWaitMs, false);
    if (!ready) {
      const waiting = consoles.filter((supervisor) => supervisor.readyCount === 0).map((supervisor) => supervisor.tty);
      ctx.console.warn(`no console running on ${waiting.join(', ')} after ${readyWaitMs / 1000} s; still trying`);
    }
  },
};
