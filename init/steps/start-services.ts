import type { Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { serviceEvents } from '../../contract/events.ts';
import { printable } from '../logs/printable.ts';
import { reconcileServices } from '../services/reconcile-services.ts';

/**
 * The configuration's services (services/reconcile-services.ts): after the consoles, so
 * that a slow pull never keeps a person from their prompt; dockerd keeps them running
 * by their restart policies from then on.
 */
export const startServices: Step = {
  name: 'startServices',
  required: false,
  async run(ctx) {
    const services = ctx.config.user.services;
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const outcomes = await reconcileServices({ client, services, info: (m) => ctx.console.info(printable(m)) });
    if (services.length === 0) return { skipped: 'no services in the configuration' };
    for (const outcome of outcomes) {
      if (outcome.status === 'running') {
        ctx.console.event(serviceEvents.running(outcome.name, outcome.container, outcome.ms));
        ctx.console.info(printable(`service ${outcome.name}: running (${outcome.action}, container ${outcome.container})`));
      } else {
        ctx.console.event(serviceEvents.failed(outcome.name, outcome.error));
        ctx.console.warn(printable(`service ${outcome.name} could not start: ${outcome.error}`));
      }
    }
  },
};
