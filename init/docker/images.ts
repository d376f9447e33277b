import { createReadStream, statSync } from 'node:fs';
import { DockerApiError, type CallOptions, type DockerClient } from './docker-client.ts';
import { OdError } from '../../contract/errors.ts';

/** The parts of `GET /images/{name}/json` the init reads. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
  } | null;
}

/** `POST /images/load` answered 200 but its progress stream carried an error. */
export class ImageLoadError extends OdError {}

/** The image by name or id, or undefined when the daemon has no such image. */
export async function inspectImage(client: DockerClient, name: string, options?: CallOptions): Promise<ImageInspect | undefined> {
  try {
    return await client.json<ImageInspect>('GET', `/images/${encodeURIComponent(name)}/json`, undefined, options);
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) return undefined;
    throw error;
  }
}

interface LoadMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads the JSON-lines answer of `POST /images/load`: the daemon says 200 before it has
 * read the archive, so a broken archive shows up only as an `error` line in the body.
 * Returns the "Loaded image: …" lines.
 */
export function parseLoadResponse(body: string): string[] {
  const loaded: string[] = [];
  for (const line of body.split('\n')) {
    const text = line.trim();
    if (!text) continue;
    let message: LoadMessage;
    try {
      message = JSON.parse(text) as LoadMessage;
    } catch {
      // Older daemons answer plain text without ?quiet; keep what looks like a result.
      if (/^Loaded image/.test(text)) loaded.push(text);
      continue;
    }
    if (message.error || message.errorDetail) {
      throw new ImageLoadError(message.errorDetail?.message ?? message.error ?? 'unknown error');
    }
    for (const part of (message.stream ?? '').split('\n')) {
      if (part.trim()) loaded.push(part.trim());
    }
  }
  return loaded;
}

/** Streams a `docker save` archive to `POST /images/load`; returns the daemon's "Loaded image" lines. */
export async function loadImageArchive(client: DockerClient, archivePath: string, options?: CallOptions): Promise<string[]> {
  const size = statSync(archivePath).size;
  const response = await client.request('POST', '/images/load?quiet=1', createReadStream(archivePath), {
    ...options,
    // A length instead of chunked encoding: the daemon reads exactly the archive.
    headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(size) },
  });
  try {
    return parseLoadResponse(response.body.toString('utf8'));
  } catch (error) {
    throw new ImageLoadError(`loading ${archivePath}: ${(error as Error).message}`, { cause: error });
  }
}

export class ImagePullError extends OdError {}

/**
 * `POST /images/create`: pulls `reference` from its registry. A reference without a tag
 * pulls `latest` (an empty tag would pull every tag of the repository). Like a load, the
 * daemon answers 200 first and reports a failure as an `error` line of its progress.
 */
export async function pullImage(client: DockerClient, reference: string, options?: CallOptions): Promise<void> {
  const at = reference.indexOf('@');
  const { repo, tag } = at >= 0 ? { repo: reference.slice(0, at), tag: reference.slice(at + 1) } : splitRepoTag(reference);
  const query = new URLSearchParams({ fromImage: repo, tag });
  try {
    const response = await client.request('POST', `/images/create?${query}`, undefined, options);
    parseLoadResponse(response.body.toString('utf8'));
  } catch (error) {
    throw new ImagePullError(`cannot pull ${reference}: ${(error as Error).message}`, { cause: error });
  }
}

/** Splits "repo:tag" (the tag is after the last colon that follows the last slash). */
export function splitRepoTag(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}
