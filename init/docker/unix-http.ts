import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { OdError } from '../../contract/errors.ts';

// A small HTTP/1.1 client over a unix socket: the Docker API needs no more, and the
// init cannot carry an HTTP library it would have to bundle anyway.

export interface UnixHttpRequest {
  socketPath: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON value is sent as application/json; a stream is sent as-is (image archives). */
  body?: Buffer | string | Readable;
  /** Whole request, including the response body; none by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface UnixHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The socket could not be reached or the exchange broke off. */
export class UnixHttpError extends OdError {
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string }) {
    super(message, options);
    this.code = options.code ?? (options.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Sends a request and resolves with the response head, leaving the body to the caller. */
export function unixRequestStream(req: UnixHttpRequest): Promise<IncomingMessage> {
  const what = `${req.method} ${req.path} on ${req.socketPath}`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'docker', ...req.headers };
    if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
      headers['Content-Length'] = String(Buffer.byteLength(req.body));
    }
    const clientRequest = httpRequest({
      socketPath: req.socketPath,
      method: req.method,
      path: req.path,
      headers,
      signal: req.signal,
      // No keep-alive agent: each call is one connection, nothing stays open in PID 1.
      agent: false,
    });
    let timer: NodeJS.Timeout | undefined;
    if (req.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        clientRequest.destroy(new UnixHttpError(`${what}: no answer within ${req.timeoutMs} ms`, { code: 'ETIMEDOUT' }));
      }, req.timeoutMs);
    }
    clientRequest.on('response', (response) => {
      if (timer) {
        // The timeout keeps covering the body; it is cleared when the body ends.
        response.once('close', () => clearTimeout(timer));
      }
      resolve(response);
    });
    clientRequest.on('error', (cause) => {
      if (timer) clearTimeout(timer);
      reject(cause instanceof UnixHttpError ? cause : new UnixHttpError(`${what}: ${cause.message}`, { cause }));
    });
    const body = req.body;
    if (body === undefined) clientRequest.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) clientRequest.end(body);
    else {
      // pipeline, not pipe: a read error of the body (an archive on a failing medium)
      // destroys the request and rejects here; with pipe it was an 'error' event nobody
      // listened to, an uncaught exception in PID 1.
      pipeline(body, clientRequest, (cause) => {
        if (!cause) return;
        if (timer) clearTimeout(timer);
        reject(new UnixHttpError(`${what}: sending the body failed: ${cause.message}`, { cause }));
      });
    }
  });
}

export async function unixRequest(req: UnixHttpRequest): Promise<UnixHttpResponse> {
  const response = await unixRequestStream(req);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response) chunks.push(chunk as Buffer);
  } catch (cause) {
    throw new UnixHttpError(`${req.method} ${req.path}: response broke off: ${(cause as Error).message}`, { cause });
  }
  return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) };
}
