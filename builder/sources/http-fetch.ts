// HTTP downloads from the Debian mirror (node-fetch). Bodies are streamed to disk, never
// held whole in memory; a status other than 200 is a typed error carrying the status, so
// callers can tell "the mirror no longer has this" (404) from a broken connection.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fetch from 'node-fetch';
import { OdError } from '../../contract/errors.ts';

export class HttpFetchError extends OdError {
  constructor(
    readonly url: string,
    /** The HTTP status, or undefined when no response came (DNS, connection, reset). */
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(status === undefined ? `cannot fetch ${url}` : `${url}: HTTP ${status}`, options);
  }
}

async function get(url: string): Promise<Awaited<ReturnType<typeof fetch>>> {
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(url, { headers: { 'user-agent': 'only-docker-builder' } });
  } catch (cause) {
    throw new HttpFetchError(url, undefined, { cause });
  }
  if (response.status !== 200) {
    response.body?.resume();
    throw new HttpFetchError(url, response.status);
  }
  return response;
}

export async function fetchText(url: string): Promise<string> {
  const response = await get(url);
  try {
    return await response.text();
  } catch (cause) {
    throw new HttpFetchError(url, undefined, { cause });
  }
}

/** Streams `url` into `path`; a partial file is removed when the transfer breaks. */
export async function fetchToFile(url: string, path: string): Promise<void> {
  const response = await get(url);
  try {
    await pipeline(response.body as unknown as Readable, createWriteStream(path));
  } catch (cause) {
    await rm(path, { force: true });
    throw new HttpFetchError(url, undefined, { cause });
  }
}
