// Writes a `docker save` archive without a Docker engine, in the legacy layout that
// Docker 20.10's `docker load` reads (a pure OCI layout is refused there):
//
//   <config hex>.json        the image config; its sha256 is the image ID
//   <layer id>/VERSION       "1.0"
//   <layer id>/json          the v1 layer description (kept for old loaders)
//   <layer id>/layer.tar     the uncompressed layer; its sha256 is its DiffID
//   manifest.json            [{Config, RepoTags, Layers}]
//   repositories             {repo: {tag: top layer id}}
//
// Deterministic: entries sorted bytewise, written by the one tar writer (builder/tar),
// so the same layers and config give the same bytes.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { writeTar, type TarMember } from '../tar/write-tar.ts';
import { rfc3339, type ImageConfigDocument } from './image-config.ts';
import { OdError } from '../../contract/errors.ts';

export class DockerSaveArchiveError extends OdError {}

export interface ArchiveLayer {
  /** The uncompressed layer tar on disk. */
  path: string;
  /** `sha256:<hex>` of that tar; must match the config's rootfs.diff_ids. */
  diffId: string;
}

export interface DockerSaveArchiveInput {
  outFile: string;
  /** The exact bytes of the image config (see serialiseImageConfig). */
  config: Buffer;
  /** Bottom layer first, in the order of the config's diff_ids. */
  layers: readonly ArchiveLayer[];
  /** `repo:tag` references the image is loaded under. */
  repoTags: readonly string[];
  /** The mtime of every archive entry. */
  mtime: Date;
}

export interface WrittenArchive {
  path: string;
  bytes: number;
  /** `sha256:<hex>` of the config: what `docker images --no-trunc` shows as the ID. */
  imageId: string;
  /** The v1 layer directory names, bottom first. */
  layerIds: string[];
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** ChainIDs as the image spec defines them: each layer's identity including those below it. */
export function chainIds(diffIds: readonly string[]): string[] {
  const chain: string[] = [];
  for (const diffId of diffIds) {
    const below = chain.at(-1);
    chain.push(below === undefined ? diffId : `sha256:${sha256Hex(`${below} ${diffId}`)}`);
  }
  return chain;
}

/**
 * Names for the layer directories. Docker derives v1 IDs from the chain and parent;
 * the top one also folds in the image ID so two images sharing layers still differ at
 * the top, as in Docker's own `docker save`. Any stable 64-hex name is accepted.
 */
function v1LayerIds(diffIds: readonly string[], imageIdHex: string): string[] {
  const ids: string[] = [];
  chainIds(diffIds).forEach((chainId, index) => {
    const parent = ids.at(-1) ?? '';
    const top = index === diffIds.length - 1 ? imageIdHex : '';
    ids.push(sha256Hex(`${parent}\n${chainId}\n${top}`));
  });
  return ids;
}

function parseRepoTag(repoTag: string): { repo: string; tag: string } {
  const colon = repoTag.lastIndexOf(':');
  if (colon <= 0 || repoTag.slice(colon).includes('/')) {
    throw new DockerSaveArchiveError(`"${repoTag}" is not a repo:tag reference`);
  }
  return { repo: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
}

function parseConfig(config: Buffer): ImageConfigDocument {
  try {
    return JSON.parse(config.toString('utf8')) as ImageConfigDocument;
  } catch (cause) {
    throw new DockerSaveArchiveError('the image config is not JSON', { cause });
  }
}

/** A file member of the archive, 0644 like docker save's. */
function member(name: string, content: { bytes: Buffer } | { sourcePath: string }): TarMember {
  return { type: 'file', name, mode: 0o644, ...content };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Writes the archive; the layer tars are streamed in from their files. */
export async function writeDockerSaveArchive(input: DockerSaveArchiveInput): Promise<WrittenArchive> {
  const document = parseConfig(input.config);
  const diffIds = document.rootfs?.diff_ids ?? [];
  if (diffIds.length !== input.layers.length) {
    throw new DockerSaveArchiveError(`the config lists ${diffIds.length} layers but ${input.layers.length} were given`);
  }
  input.layers.forEach((layer, index) => {
    if (layer.diffId !== diffIds[index]) {
      throw new DockerSaveArchiveError(`layer ${index} (${layer.path}) is ${layer.diffId} but the config expects ${diffIds[index]}`);
    }
  });
  if (input.repoTags.length === 0) throw new DockerSaveArchiveError('an image needs at least one repo:tag');

  const imageIdHex = sha256Hex(input.config);
  const layerIds = v1LayerIds(diffIds, imageIdHex);
  const configName = `${imageIdHex}.json`;

  const members: TarMember[] = [member(configName, { bytes: input.config })];
  layerIds.forEach((id, index) => {
    const parent = layerIds[index - 1];
    const isTop = index === layerIds.length - 1;
    const v1 = {
      id,
      ...(parent !== undefined ? { parent } : {}),
      created: rfc3339(input.mtime),
      container_config: {},
      ...(isTop ? { config: document.config } : {}),
      architecture: document.architecture,
      os: document.os,
    };
    members.push(
      { type: 'directory', name: `${id}/`, mode: 0o755 },
      member(`${id}/VERSION`, { bytes: Buffer.from('1.0') }),
      member(`${id}/json`, { bytes: json(v1) }),
      member(`${id}/layer.tar`, { sourcePath: input.layers[index]!.path }),
    );
  });
  members.push(member('manifest.json', { bytes: json([{ Config: configName, RepoTags: [...input.repoTags], Layers: layerIds.map((id) => `${id}/layer.tar`) }]) }));
  const repositories: Record<string, Record<string, string>> = {};
  for (const repoTag of input.repoTags) {
    const { repo, tag } = parseRepoTag(repoTag);
    (repositories[repo] ??= {})[tag] = layerIds.at(-1)!;
  }
  members.push(member('repositories', { bytes: json(repositories) }));
  members.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));

  try {
    await writeTar(input.outFile, members, input.mtime);
  } catch (cause) {
    throw new DockerSaveArchiveError(`cannot write ${input.outFile}: ${(cause as Error).message}`, { cause });
  }
  const { size } = await stat(input.outFile);
  return { path: input.outFile, bytes: size, imageId: `sha256:${imageIdHex}`, layerIds };
}
