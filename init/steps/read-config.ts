import { kernelCommandLine, type Step } from '../context.ts';
import { describeProblem, parseConfig } from '../config/options.ts';

export const readConfig: Step = {
  name: 'readConfig',
  required: false,
  run(ctx) {
    const cmdline = kernelCommandLine(ctx);
    const { config, problems } = parseConfig(cmdline);
    for (const problem of problems) ctx.console.warn(describeProblem(problem));
    ctx.config = config;
    ctx.console.setDebug(config.debug);
    ctx.console.debug(`kernel command line: ${cmdline.trim()}`);
    ctx.console.info(
      `config: hostname ${config.hostname}, debug ${config.debug ? 'on' : 'off'}, dockerd args ${
        config.dockerd.args.length ? JSON.stringify(config.dockerd.args) : 'none'
      }, dockerd timeout ${config.dockerd.timeoutMs / 1000} s`,
    );
  },
};
