import { liveUserProcesses, type ProcessInfo } from '../processes.ts';
import type { ShutdownContext } from '../shutdown-context.ts';
import type { ShutdownStep } from '../shutdown-plan-types.ts';

const SIGHUP = 1;
const SIGKILL = 9;
const SIGTERM = 15;

function signalAll(ctx: ShutdownContext, processes: readonly ProcessInfo[], signals: readonly number[]): void {
  for (const process of processes) {
    for (const signal of signals) {
      try {
        ctx.sys.kill(process.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

async function waitGone(ctx: ShutdownContext, ms: number): Promise<ProcessInfo[]> {
  const deadline = ctx.timing.now() + ms;
  for (;;) {
    const left = liveUserProcesses(ctx.paths.proc, ctx.selfPid);
    if (left.length === 0 || ctx.timing.now() >= deadline) return left;
    await ctx.timing.sleep(100);
  }
}

const describe = (processes: readonly ProcessInfo[]) =>
  processes
    .slice(0, 12)
    .map((p) => `${p.comm} (${p.pid})`)
    .join(', ') + (processes.length > 12 ? ` and ${processes.length - 12} more` : '');

/**
 * Whatever still runs after dockerd (shells, a containerd a killed dockerd left behind,
 * anything started by hand on the host) holds files open on the disk: SIGTERM (and
 * SIGHUP, which ends interactive shells that ignore SIGTERM), then SIGKILL.
 */
export const killRemaining: ShutdownStep = {
  name: 'killRemaining',
  required: false,
  async run(ctx) {
    const first = liveUserProcesses(ctx.paths.proc, ctx.selfPid);
    if (first.length === 0) return { skipped: 'no other processes' };
    ctx.console.info(`ending ${first.length} remaining process${first.length === 1 ? '' : 'es'}: ${describe(first)}`);
    signalAll(ctx, first, [SIGTERM, SIGHUP]);
    const stubborn = await waitGone(ctx, ctx.timing.killGraceMs);
    if (stubborn.length === 0) return;
    ctx.console.warn(`still running after ${ctx.timing.killGraceMs / 1000} s, killed: ${describe(stubborn)}`);
    signalAll(ctx, stubborn, [SIGKILL]);
    const left = await waitGone(ctx, 2000);
    if (left.length) ctx.console.warn(`not gone after SIGKILL (in uninterruptible sleep?): ${describe(left)}`);
  },
};
