import { runningDockerd } from '../shutdown-context.ts';
import type { ShutdownStep } from '../shutdown-plan-types.ts';
import { exitedWithin } from './stop-containers.ts';

/**
 * dockerd has had SIGTERM (stopContainers); once its containers are gone it stops
 * containerd and exits. It gets a bounded time for that, then SIGKILL: what it leaves
 * behind (containerd, shims) is ended by killRemaining.
 */
export const stopDockerd: ShutdownStep = {
  name: 'stopDockerd',
  required: false,
  async run(ctx) {
    const dockerd = runningDockerd(ctx.system);
    if (!dockerd) return { skipped: 'dockerd has already exited' };
    const { dockerdGraceMs, sleep } = ctx.timing;
    dockerd.child.kill('SIGTERM');
    if (await exitedWithin(dockerd, dockerdGraceMs, sleep)) return;
    ctx.console.warn(`dockerd (pid ${dockerd.pid}) did not exit within ${dockerdGraceMs / 1000} s of SIGTERM; killing it`);
    dockerd.child.kill('SIGKILL');
    if (!(await exitedWithin(dockerd, 5000, sleep))) ctx.console.warn(`dockerd (pid ${dockerd.pid}) is still there after SIGKILL`);
  },
};
