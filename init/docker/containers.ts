import { DockerApiError, type CallOptions, type DockerClient } from './docker-client.ts';
import { demuxLogStream } from './log-stream.ts';

/** The body of `POST /containers/create`, as far as the init fills it. */
export interface ContainerSpec {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  WorkingDir?: string;
  User?: string;
  /** `{"80/tcp": {}}`: the ports PortBindings publishes. */
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: {
    /** `{"80/tcp": [{HostIp: "", HostPort: "8080"}]}`: docker run -p. */
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    Binds?: string[];
    NetworkMode?: string;
    PidMode?: string;
    Privileged?: boolean;
    CapAdd?: string[];
    CapDrop?: string[];
    /** `{ Type: 'none' }`: no log kept (a terminal's transcript must not pile up on disk). */
    LogConfig?: { Type: string; Config?: Record<string, string> };
    AutoRemove?: boolean;
    RestartPolicy?: { Name: 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount?: number };
  };
}

/** The parts of `GET /containers/{id}/json` the init reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: {
    Status: string;
    Running: boolean;
    /** Waiting to be started again by its restart policy. */
    Restarting?: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: { Image: string; Labels?: Record<string, string> | null };
  Image: string;
  /** How often dockerd restarted it by its restart policy. */
  RestartCount?: number;
}

/** One entry of `Ports` in `GET /containers/json` (Engine API 1.41 and later). */
export interface ContainerPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** The parts of a `GET /containers/json` entry the init reads. */
export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string> | null;
  State?: string;
  Ports?: ContainerPort[] | null;
}

/** `GET /containers/json`: running containers, or all of them; only those with `label` when given. */
export async function listContainers(client: DockerClient, filter: { all?: boolean; label?: string } = {}, options?: CallOptions): Promise<ContainerSummary[]> {
  const query = new URLSearchParams();
  if (filter.all) query.set('all', '1');
  if (filter.label) query.set('filters', JSON.stringify({ label: [filter.label] }));
  const search = query.size ? `?${query}` : '';
  return client.json<ContainerSummary[]>('GET', `/containers/json${search}`, undefined, options);
}

export async function createContainer(client: DockerClient, name: string, spec: ContainerSpec, options?: CallOptions): Promise<string> {
  const created = await client.json<{ Id: string; Warnings?: string[] | null }>(
    'POST',
    `/containers/create?name=${encodeURIComponent(name)}`,
    spec,
    options,
  );
  return created.Id;
}

export async function startContainer(client: DockerClient, id: string, options?: CallOptions): Promise<void> {
  await client.request('POST', `/containers/${encodeURIComponent(id)}/start`, undefined, options);
}

/** The container, or undefined when there is none by that name or id. */
export async function inspectContainer(client: DockerClient, id: string, options?: CallOptions): Promise<ContainerInspect | undefined> {
  try {
    return await client.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`, undefined, options);
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Removes the container, killing it first when it runs (`force`). True when one was
 * removed, false when there was none. A removal already under way (AutoRemove) counts
 * as none: the name is free a moment later.
 */
export async function removeContainer(client: DockerClient, id: string, options?: CallOptions & { force?: boolean }): Promise<boolean> {
  const query = options?.force ? '?force=1' : '';
  try {
    await client.request('DELETE', `/containers/${encodeURIComponent(id)}${query}`, undefined, options);
    return true;
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) return false;
    if (error instanceof DockerApiError && error.status === 409 && /already in progress/.test(error.message)) return false;
    throw error;
  }
}

/** The last lines a non-tty container wrote (stdout and stderr, in order). */
export async function containerLogs(client: DockerClient, id: string, tail = 20, options?: CallOptions): Promise<string[]> {
  const response = await client.request(
    'GET',
    `/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&tail=${tail}`,
    undefined,
    options,
  );
  return demuxLogStream(response.body)
    .map((frame) => frame.data.toString('utf8'))
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}
