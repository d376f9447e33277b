// The image config JSON of a `docker save` archive. Its sha256 is the image ID, so it
// is serialised in one fixed key order (not whatever order an object happened to be
// built in), with sorted labels and a fixed `created`.
import type { ImageConfig } from './image-definition.ts';

export interface ImageConfigInput {
  config: ImageConfig;
  /** `sha256:<hex>` of each uncompressed layer tar, bottom layer first. */
  diffIds: readonly string[];
  /** One history line per layer, bottom first (what `docker history` shows). */
  history: readonly string[];
  created: Date;
  architecture?: string;
}

/** The parts of the config document the archive writer reads back. */
export interface ImageConfigDocument {
  architecture: string;
  os: string;
  created: string;
  config: Record<string, unknown>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: { created: string; created_by: string }[];
}

/** RFC 3339 without the milliseconds JavaScript adds: what Docker itself writes. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function orderedContainerConfig(config: ImageConfig): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  // Docker's own key order for container config (api/types/container.Config).
  if (config.User !== undefined) ordered.User = config.User;
  if (config.ExposedPorts !== undefined) ordered.ExposedPorts = sortedKeys(config.ExposedPorts);
  if (config.Env !== undefined) ordered.Env = [...config.Env];
  if (config.Cmd !== undefined) ordered.Cmd = [...config.Cmd];
  if (config.Volumes !== undefined) ordered.Volumes = sortedKeys(config.Volumes);
  if (config.WorkingDir !== undefined) ordered.WorkingDir = config.WorkingDir;
  if (config.Entrypoint !== undefined) ordered.Entrypoint = [...config.Entrypoint];
  if (config.Labels !== undefined) ordered.Labels = sortedKeys(config.Labels);
  if (config.StopSignal !== undefined) ordered.StopSignal = config.StopSignal;
  return ordered;
}

/** The config document, as an object in its canonical key order. */
export function imageConfigDocument(input: ImageConfigInput): ImageConfigDocument {
  if (input.diffIds.length !== input.history.length) {
    throw new RangeError(`image config: ${input.diffIds.length} layers but ${input.history.length} history lines`);
  }
  const created = rfc3339(input.created);
  return {
    architecture: input.architecture ?? 'amd64',
    os: 'linux',
    created,
    config: orderedContainerConfig(input.config),
    rootfs: { type: 'layers', diff_ids: [...input.diffIds] },
    history: input.history.map((line) => ({ created, created_by: line })),
  };
}

/** The exact bytes of the config file (compact JSON, as `docker save` writes it). */
export function serialiseImageConfig(input: ImageConfigInput): Buffer {
  return Buffer.from(JSON.stringify(imageConfigDocument(input)), 'utf8');
}
