import type { ShutdownStep } from '../shutdown-plan-types.ts';

/**
 * After dockerd, which stopped its containers through it: containerd (the init started
 * it, so dockerd does not stop it) gets SIGTERM and the same bounded time, then SIGKILL.
 * The shims of containers that are somehow left are ended by killRemaining.
 */
export const stopContainerd: ShutdownStep = {
  name: 'stopContainerd',
  required: false,
  async run(ctx) {
    const containerd = ctx.system.containerd;
    if (!containerd?.running) return { skipped: containerd ? 'containerd has already exited' : 'the init started no containerd' };
    const exit = await containerd.stop({ graceMs: ctx.timing.dockerdGraceMs });
    if (exit?.signal === 'SIGKILL') ctx.console.warn(`containerd did not exit within ${ctx.timing.dockerdGraceMs / 1000} s of SIGTERM; it was killed`);
  },
};
