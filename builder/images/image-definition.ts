// The definition of a bundled image (images/<name>/image.json): which repository and
// tags it is loaded under, its image config, and what goes into its root filesystem.
// Strict on purpose: a misspelt key would otherwise silently drop a file or a setting
// from an image that boots a machine, so every unknown key is an error that names it.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { OdError } from '../../contract/errors.ts';

/** The one placeholder a tag may contain: the builder's release version. */
export const VERSION_PLACEHOLDER = '{version}';

// Docker's reference grammar (distribution/reference), lower-case path components.
const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const modePattern = /^[0-7]{3,4}$/;

/** An absolute path inside the image, without `.`/`..` steps or a trailing slash. */
const imagePath = z
  .string()
  .refine((p) => p.startsWith('/') && p.length > 1 && !p.endsWith('/'), 'must be absolute, not "/" and without a trailing slash')
  .refine((p) => p.split('/').slice(1).every((step) => step !== '' && step !== '.' && step !== '..'), 'must not contain empty, "." or ".." steps');

/** A path relative to the staging root where the Debian packages were extracted. */
const stagingPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/'), 'is relative to the staging root: no leading "/"')
  .refine((p) => p.split('/').every((step) => step !== '' && step !== '.' && step !== '..'), 'must not contain empty, "." or ".." steps');

/** Permission bits as an octal string ("0755", "1777"): JSON has no octal numbers. */
const mode = z.string().regex(modePattern, 'must be an octal mode such as "0755"');

const tag = z
  .string()
  .refine((t) => tagPattern.test(t.replaceAll(VERSION_PLACEHOLDER, '0')), `must be a Docker tag ([A-Za-z0-9_.-], may contain ${VERSION_PLACEHOLDER})`);

const envEntry = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'must be KEY=value');

/** The subset of Docker's image `config` the bundled images use, with Docker's key names. */
const imageConfigSchema = z.strictObject({
  Entrypoint: z.array(z.string()).min(1).optional(),
  Cmd: z.array(z.string()).optional(),
  Env: z.array(envEntry).optional(),
  WorkingDir: z.string().startsWith('/').optional(),
  User: z.string().min(1).optional(),
  StopSignal: z.string().min(1).optional(),
  Labels: z.record(z.string(), z.string()).optional(),
  /** Anonymous volumes, as VOLUME makes them (`{"/var/lib/docker": {}}`). */
  Volumes: z.record(z.string().startsWith('/'), z.strictObject({})).optional(),
  /** Documented ports, as EXPOSE makes them (`{"2376/tcp": {}}`). */
  ExposedPorts: z.record(z.string().regex(/^\d{1,5}\/(tcp|udp|sctp)$/, 'must be PORT/tcp, PORT/udp or PORT/sctp'), z.strictObject({})).optional(),
});

const busyboxSchema = z.strictObject({
  /** "all": every applet the binary reports; a list: only these (by name). */
  applets: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
  /** Applet names never linked, e.g. "linuxrc" (a symlink at the root of the image). */
  exclude: z.array(z.string().min(1)).default([]),
});

const fileSchema = z.strictObject({
  from: stagingPath,
  /** Where it goes in the image; by default the same path as in the staging root. */
  to: imagePath.optional(),
  /** A missing optional file is skipped; a missing required file fails the build. */
  optional: z.boolean().default(false),
});

/**
 * A file the build itself makes rather than a package (the compiled init, koffi's native
 * module, the CA bundle): named here, supplied by the build under that name.
 */
const artifactSchema = z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), to: imagePath, mode: mode.default('0755') });

const directorySchema = z.strictObject({ path: imagePath, mode });
const symlinkSchema = z.strictObject({ path: imagePath, target: z.string().min(1) });

export const imageDefinitionSchema = z.strictObject({
  /** Repository, e.g. "only-docker/console" (no registry host, no tag). */
  name: z.string().regex(repositoryPattern, 'must be a lower-case Docker repository name such as "only-docker/dhcp"'),
  /** Tags under that repository; "{version}" becomes the builder's version. */
  tags: z.array(tag).min(1),
  description: z.string().optional(),
  config: imageConfigSchema,
  busybox: busyboxSchema.optional(),
  /** Files taken from the staging root (extracted Debian packages), by path. */
  files: z.array(fileSchema).default([]),
  /** Build artifacts by name (see artifactSchema). */
  artifacts: z.array(artifactSchema).default([]),
  /** Directories that must exist with a given mode (mount points, /tmp). */
  directories: z.array(directorySchema).default([]),
  symlinks: z.array(symlinkSchema).default([]),
  /** A directory of literal files (scripts, /etc), relative to the definition file. */
  rootfs: z.string().min(1).optional(),
});

export type ImageDefinitionInput = z.input<typeof imageDefinitionSchema>;
export type ParsedImageDefinition = z.output<typeof imageDefinitionSchema>;
export type ImageConfig = z.output<typeof imageConfigSchema>;

/** A validated definition, with `rootfs` made absolute against the definition's directory. */
export interface ImageDefinition extends Omit<ParsedImageDefinition, 'rootfs'> {
  /** Absolute path of the literal-files directory, if any. */
  rootfs?: string;
  /** Where the definition came from, for error messages. */
  source: string;
}

export class InvalidImageDefinitionError extends OdError {
  constructor(
    message: string,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One line per problem, each with its JSON path, so the key at fault is named. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${at}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates a parsed JSON value as an image definition.
 * @param baseDir the directory `rootfs` is relative to
 * @param source a name for messages (usually the file path)
 */
export function parseImageDefinition(value: unknown, baseDir: string, source: string): ImageDefinition {
  const result = imageDefinitionSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidImageDefinitionError(`${source}: ${describeIssues(result.error)}`, source, { cause: result.error });
  }
  const { rootfs, ...rest } = result.data;
  const definition: ImageDefinition = { ...rest, source };
  if (rootfs !== undefined) definition.rootfs = resolve(baseDir, rootfs);
  return definition;
}

/** Reads and validates `<dir>/image.json` (or a given definition file path). */
export async function loadImageDefinition(pathOrDir: string): Promise<ImageDefinition> {
  const file = pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, 'image.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new InvalidImageDefinitionError(`${file}: cannot read the image definition`, file, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidImageDefinitionError(`${file}: not valid JSON (${(cause as Error).message})`, file, { cause });
  }
  return parseImageDefinition(value, dirname(file), file);
}

/** The `repo:tag` references of a definition for one builder version. */
export function repoTagsFor(definition: Pick<ImageDefinition, 'name' | 'tags' | 'source'>, version: string): string[] {
  return definition.tags.map((t) => {
    const resolved = t.replaceAll(VERSION_PLACEHOLDER, version);
    if (!tagPattern.test(resolved)) {
      throw new InvalidImageDefinitionError(
        `${definition.source}: tag "${t}" gives "${resolved}" for version "${version}", which is not a valid Docker tag`,
        definition.source,
      );
    }
    return `${definition.name}:${resolved}`;
  });
}
