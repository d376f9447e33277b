// A service of the configuration as the container that runs it: Docker's create body,
// labelled so the init knows its own containers again at the next boot, with a digest of
// the service's definition so that a changed definition replaces the container and an
// unchanged one is only started again (its state kept).
import { createHash } from 'node:crypto';
import type { ContainerSpec } from '../docker/containers.ts';
import type { ServiceSpec } from '../config/user-config/user-config.ts';
import { parsePortMapping } from './port-mapping.ts';

/** On every service container: the service's name. */
export const SERVICE_LABEL = 'org.only-docker.service';
/** The digest of the definition the container was made from. */
export const SERVICE_DIGEST_LABEL = 'org.only-docker.service.digest';

/** A digest of everything the container is made from, stable across key order. */
export function serviceDigest(service: ServiceSpec): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(service))).digest('hex').slice(0, 16);
}

/** The body of POST /containers/create for the service. */
export function serviceContainerSpec(service: ServiceSpec): ContainerSpec {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const text of service.ports) {
    const mapping = parsePortMapping(text);
    // The schema validated every entry with the same parser: nothing to skip here.
    if (!mapping) continue;
    const key = `${mapping.containerPort}/${mapping.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: mapping.hostIp, HostPort: mapping.hostPort });
  }
  return {
    Image: service.image,
    ...(service.command ? { Cmd: [...service.command] } : {}),
    ...(service.entrypoint ? { Entrypoint: [...service.entrypoint] } : {}),
    Env: Object.entries(service.env).map(([name, value]) => `${name}=${value}`),
    Labels: { [SERVICE_LABEL]: service.name, [SERVICE_DIGEST_LABEL]: serviceDigest(service) },
    ...(service.user ? { User: service.user } : {}),
    ExposedPorts: exposed,
    HostConfig: {
      Binds: [...service.volumes],
      PortBindings: bindings,
      Privileged: service.privileged,
      RestartPolicy: { Name: service.restart },
      ...(service.network ? { NetworkMode: service.network } : {}),
    },
  };
}
