import type { Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { serviceEvents } from '../../contract/events.ts';
import { printable } from '../logs/printable.ts';
import { reconcileServices } from '../services/reconcile-services.ts';
import { ServiceKeeper } from '../services/service-keeper.ts';

/**
 * The configuration's services (services/reconcile-services.ts): after the consoles, so
 * that a slow pull never keeps a person from their prompt. From then on dockerd keeps
 * them running by their restart policies, and the service keeper where dockerd stops
 * short (services/service-keeper.ts: after a `docker kill`), until the shutdown.
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
    const keeper = new ServiceKeeper({
      client,
      services,
      log: { info: (m) => ctx.console.info(printable(m)), warn: (m) => ctx.console.warn(printable(m)), debug: (m) => ctx.console.debug(printable(m)) },
      onRestarted: (name, container, exitCode) => ctx.console.event(serviceEvents.restarted(name, container, exitCode)),
    });
    keeper.start();
    (ctx.supervised ??= []).push(keeper);
  },
};
