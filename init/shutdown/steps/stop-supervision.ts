import { describeError } from '../../../contract/errors.ts';
import { hangUpConsoles } from '../console-containers.ts';
import { liveUserProcesses } from '../processes.ts';
import type { ShutdownContext } from '../shutdown-context.ts';
import type { ShutdownStep } from '../shutdown-plan-types.ts';

const SIGHUP = 1;

/**
 * SIGHUP to every process that has a controlling terminal, as when the terminal goes
 * away: interactive shells (the VT2 host shell, the shells in the consoles) ignore
 * SIGTERM but end on a hangup, and editors save what they can. Returns how many.
 */
function hangUpTerminals(ctx: ShutdownContext): number {
  let count = 0;
  for (const process of liveUserProcesses(ctx.paths.proc, ctx.selfPid)) {
    if (process.ttyNr === 0) continue;
    try {
      ctx.sys.kill(process.pid, SIGHUP);
      count++;
    } catch {
      // gone
    }
  }
  return count;
}

/**
 * First, so that nothing is started again behind shutdown's back: no console or VT2
 * shell respawned, no dockerd restarted when it exits in the next step, no emergency
 * shell. The supervisors are told to stop before the terminals and consoles are hung
 * up, so that nothing that ends is started again.
 */
export const stopSupervision: ShutdownStep = {
  name: 'stopSupervision',
  required: false,
  async run(ctx) {
    ctx.emergencyShell?.stop();
    ctx.system.dockerdSupervisor?.disableRestart();
    ctx.system.containerd?.disableRestart();
    const services = ctx.system.supervised ?? [];
    const graceMs = ctx.timing.supervisionGraceMs;
    // stop() marks the supervisor stopped at once, then waits for its child to end;
    // the hangup makes the children end now rather than after the supervisor's grace.
    const stopping = Promise.allSettled(services.map((service) => service.stop()));
    const hungUpSessions = hangUpTerminals(ctx);
    if (hungUpSessions) ctx.console.debug(`SIGHUP to ${hungUpSessions} processes on terminals`);
    const consoles = hangUpConsoles(ctx, Math.min(2000, graceMs)).catch((error: unknown) => {
      ctx.console.warn(`hanging up the consoles: ${describeError(error)}`);
      return [] as string[];
    });
    const results = await Promise.race([
      Promise.all([stopping, consoles]),
      ctx.timing.sleep(graceMs).then(() => undefined),
    ]);
    if (results === undefined) {
      ctx.console.warn(`supervised children still stopping after ${graceMs / 1000} s; going on (what is left is ended later)`);
      return;
    }
    const [settled, hungUp] = results;
    settled.forEach((result, i) => {
      if (result.status === 'rejected') ctx.console.warn(`stopping ${services[i]!.name}: ${describeError(result.reason)}`);
    });
    const stopped = [...services.map((service) => service.name), ...hungUp.map((name) => `container ${name}`)];
    if (stopped.length === 0) return { skipped: 'nothing supervised' };
    ctx.console.info(`stopped: ${stopped.join(', ')}`);
  },
};
