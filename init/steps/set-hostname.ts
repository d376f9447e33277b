import type { Step } from '../context.ts';

export const setHostname: Step = {
  name: 'setHostname',
  required: false,
  run(ctx) {
    ctx.sys.sethostname(ctx.config.hostname);
    ctx.console.info(`hostname ${ctx.config.hostname}`);
  },
};
