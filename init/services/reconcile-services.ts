// The configuration's services, made true in Docker: each runs in a container named as
// the service, with the restart policy it asks for, so that dockerd itself brings it
// back after a `docker kill` or a crash (the init supervises dockerd, dockerd the
// services). At each boot, with a DOCKER disk holding last boot's containers: an
// unchanged service's container is only started again (its writable layer kept), a
// changed one replaced, one no longer configured removed. One service that cannot start
// is reported and the others still start.
import type { ServiceSpec } from '../config/user-config/user-config.ts';
import { createContainer, inspectContainer, listContainers, removeContainer, startContainer } from '../docker/containers.ts';
import { DockerApiError, type DockerClient } from '../docker/docker-client.ts';
import { pullImage } from '../docker/images.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import { SERVICE_DIGEST_LABEL, SERVICE_LABEL, serviceContainerSpec, serviceDigest } from './service-container.ts';

export class ServiceStartError extends OdError {}

export type ServiceOutcome =
  | { name: string; status: 'running'; container: string; action: 'created' | 'replaced' | 'started' | 'kept'; ms: number }
  | { name: string; status: 'failed'; error: string };

export interface ReconcileOptions {
  client: DockerClient;
  services: readonly ServiceSpec[];
  /** For what was removed or pulled on the way. */
  info: (message: string) => void;
  /** Per API call; a pull gets ten times as long. */
  timeoutMs?: number;
}

const isNoSuchImage = (error: unknown) => error instanceof DockerApiError && error.status === 404 && /no such image/i.test(error.message);

/** Creates the service's container, pulling its image first when Docker does not have it. */
async function createServiceContainer(options: ReconcileOptions, service: ServiceSpec, timeoutMs: number): Promise<string> {
  const spec = serviceContainerSpec(service);
  try {
    return await createContainer(options.client, service.name, spec, { timeoutMs });
  } catch (error) {
    if (!isNoSuchImage(error)) throw error;
  }
  options.info(`service ${service.name}: pulling ${service.image}`);
  await pullImage(options.client, service.image, { timeoutMs: timeoutMs * 10 });
  return createContainer(options.client, service.name, spec, { timeoutMs });
}

async function reconcileOne(options: ReconcileOptions, service: ServiceSpec, timeoutMs: number): Promise<ServiceOutcome> {
  const started = performance.now();
  const { client } = options;
  const running = (container: string, action: 'created' | 'replaced' | 'started' | 'kept'): ServiceOutcome => ({
    name: service.name,
    status: 'running',
    container: container.slice(0, 12),
    action,
    ms: performance.now() - started,
  });
  const existing = await inspectContainer(client, service.name, { timeoutMs });
  if (existing && existing.Config.Labels?.[SERVICE_LABEL] !== service.name) {
    throw new ServiceStartError(`a container named ${service.name} exists and is not this service's: it is left alone (docker rm -f ${service.name} gives the service its name)`);
  }
  if (existing && existing.Config.Labels?.[SERVICE_DIGEST_LABEL] === serviceDigest(service)) {
    if (existing.State.Running) return running(existing.Id, 'kept');
    await startContainer(client, existing.Id, { timeoutMs });
    return running(existing.Id, 'started');
  }
  if (existing) await removeContainer(client, existing.Id, { force: true, timeoutMs });
  const id = await createServiceContainer(options, service, timeoutMs);
  await startContainer(client, id, { timeoutMs });
  return running(id, existing ? 'replaced' : 'created');
}

export async function reconcileServices(options: ReconcileOptions): Promise<ServiceOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const wanted = new Set(options.services.map((s) => s.name));
  for (const container of await listContainers(options.client, { all: true, label: SERVICE_LABEL }, { timeoutMs })) {
    const name = container.Labels?.[SERVICE_LABEL] ?? '';
    if (wanted.has(name)) continue;
    await removeContainer(options.client, container.Id, { force: true, timeoutMs });
    options.info(`service ${name} is no longer in the configuration: its container was removed`);
  }
  const outcomes: ServiceOutcome[] = [];
  for (const service of options.services) {
    try {
      outcomes.push(await reconcileOne(options, service, timeoutMs));
    } catch (error) {
      outcomes.push({ name: service.name, status: 'failed', error: describeError(error) });
    }
  }
  return outcomes;
}
