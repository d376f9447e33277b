import type { Step } from '../context.ts';

/**
 * An ioctl (SIOCSIFFLAGS) through the Sys interface rather than `busybox ip link set lo
 * up`: no process to spawn (tens of milliseconds under TCG), no dependency on an applet
 * being built in, and a failure comes back as an errno instead of a parsed message.
 */
export const loopbackUp: Step = {
  name: 'loopbackUp',
  required: false,
  run(ctx) {
    ctx.sys.setInterfaceUp('lo');
  },
};
