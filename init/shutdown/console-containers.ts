import { listContainers, type ContainerSummary } from '../docker/containers.ts';
import { DockerApiError, DockerClient } from '../docker/docker-client.ts';
import { describeError } from '../../contract/errors.ts';
import { runningDockerd, type ShutdownContext } from './shutdown-context.ts';

/** The label the console supervisor gives every console container (supervise/console-container.ts). */
export const consoleLabel = 'io.only-docker.console';

const quiet404 = (error: unknown) => {
  if (error instanceof DockerApiError && (error.status === 404 || error.status === 409)) return;
  throw error;
};

/**
 * Hangs up the console containers, as a terminal that goes away would: SIGHUP ends an
 * interactive shell (which ignores SIGTERM, so a plain stop would wait out the whole
 * stop timeout) and lets an editor in it save its work; SIGKILL after `graceMs`. A
 * console is not state (it is created anew at every start), so stopping it through the
 * API costs nothing at the next boot. Returns the names of the consoles hung up.
 */
export async function hangUpConsoles(ctx: ShutdownContext, graceMs: number): Promise<string[]> {
  if (!runningDockerd(ctx.system)) return [];
  const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
  let consoles: ContainerSummary[];
  try {
    consoles = await listContainers(client, { label: consoleLabel }, { timeoutMs: 3000 });
  } catch (error) {
    ctx.console.warn(`cannot list the console containers: ${describeError(error)}`);
    return [];
  }
  await Promise.all(
    consoles.map(async (c) => {
      const path = `/containers/${c.Id}`;
      try {
        await client.request('POST', `${path}/kill?signal=SIGHUP`, undefined, { timeoutMs: 3000 }).catch(quiet404);
        const ended = await client
          .request('POST', `${path}/wait?condition=not-running`, undefined, { timeoutMs: graceMs })
          .then(() => true, (error: unknown) => (error instanceof DockerApiError ? true : false));
        if (!ended) await client.request('POST', `${path}/kill?signal=SIGKILL`, undefined, { timeoutMs: 3000 }).catch(quiet404);
      } catch (error) {
        ctx.console.warn(`stopping the console ${c.Names?.[0] ?? c.Id}: ${describeError(error)}`);
      }
    }),
  );
  return consoles.map((c) => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''));
}
