import type { Readable } from 'node:stream';
import { unixRequest, type UnixHttpResponse } from './unix-http.ts';
import { OdError } from '../../contract/errors.ts';

export const defaultDockerSocket = '/var/run/docker.sock';

/** The API answered with an error status; `message` is Docker's own explanation. */
export class DockerApiError extends OdError {
  readonly status: number;

  constructor(method: string, path: string, status: number, message: string, options?: { cause?: unknown }) {
    super(`${method} ${path}: ${status} ${message}`, options);
    this.status = status;
  }
}

export interface DockerVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Docker Engine API over the daemon's unix socket. */
export class DockerClient {
  readonly socketPath: string;

  constructor(options: { socketPath?: string } = {}) {
    this.socketPath = options.socketPath ?? defaultDockerSocket;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions & { headers?: Record<string, string> } = {},
  ): Promise<UnixHttpResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let payload: Buffer | string | Readable | undefined;
    if (body === undefined || Buffer.isBuffer(body) || isReadable(body)) {
      payload = body as Buffer | Readable | undefined;
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const response = await unixRequest({
      socketPath: this.socketPath,
      method,
      path,
      headers,
      body: payload,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    if (response.status >= 400) {
      throw new DockerApiError(method, path, response.status, errorMessage(response));
    }
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T> {
    const response = await this.request(method, path, body, options);
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  /** GET /_ping: "OK" once the daemon serves its API. */
  async ping(options?: CallOptions): Promise<string> {
    const response = await this.request('GET', '/_ping', undefined, options);
    return response.body.toString('utf8');
  }

  version(options?: CallOptions): Promise<DockerVersion> {
    return this.json<DockerVersion>('GET', '/version', undefined, options);
  }
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

function errorMessage(response: UnixHttpResponse): string {
  const text = response.body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: use the text
  }
  return text || 'no message';
}
