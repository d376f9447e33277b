import type { Step } from '../context.ts';
import { resolveLogRouting } from './log-targets.ts';
import { defaultFiles, defaultMaxBytes } from './rotating-log.ts';

/**
 * Right after readConfig: od.log is known, so the init's lines printed so far go to
 * /var/log/only-docker-init.log (or nowhere with od.log=console) and the rest follow.
 * startDockerd reads the same routing for dockerd's output.
 */
export const startLogging: Step = {
  name: 'startLogging',
  required: false,
  run(ctx) {
    const routing = resolveLogRouting(ctx.config.log, ctx.config.debug);
    ctx.initLog?.start(routing.file);
    const rotation = `rotated at ${defaultMaxBytes / 1024 / 1024} MB, ${defaultFiles} files each`;
    ctx.console.info(
      routing.file
        ? `logs: ${ctx.paths.initLog} and ${ctx.paths.dockerLog} (${rotation})${routing.console ? '; dockerd on the console too' : ''}`
        : 'logs: on the console only (od.log=console): nothing is kept under /var/log',
    );
  },
};
