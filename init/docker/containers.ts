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
  HostConfig: {
    Binds?: string[];
    NetworkMode?: string;
    PidMode?: string;
    Privileged?: boolean;
    CapAdd?: string[];
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
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: { Image: string; Labels?: Record<string, string> | null };
  Image: string;
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
