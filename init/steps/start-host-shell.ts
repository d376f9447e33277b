import type { Step } from '../context.ts';
import { hostShell } from '../supervise/host-shell.ts';
import { probeTerminal } from '../supervise/terminal.ts';
import { describeError } from '../../contract/errors.ts';

/** The second VT: Alt-F2 on the screen. */
export const hostShellTerminal = 'tty2';

/**
 * A busybox shell of the host on VT2, outside every container. Early in the plan, so
 * it is there while the rest of the boot runs (a person can look at a dockerd that
 * will not start); respawned whenever it exits, for as long as the machine runs.
 */
export const startHostShell: Step = {
  name: 'startHostShell',
  required: false,
  run(ctx) {
    if (ctx.config.console.terminals?.includes(hostShellTerminal)) {
      return { skipped: `od.console puts a console container on ${hostShellTerminal}` };
    }
    try {
      probeTerminal(ctx.paths.devDir, hostShellTerminal);
    } catch (error) {
      return { skipped: describeError(error) };
    }
    const shell = hostShell({
      tty: hostShellTerminal,
      devDir: ctx.paths.devDir,
      busybox: ctx.paths.busybox,
      log: { info: (m) => ctx.console.info(m), warn: (m) => ctx.console.warn(m) },
    });
    (ctx.supervised ??= []).push(shell);
    shell.start();
  },
};
