import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { BuildConfigSchema, type BuildConfig, type InitrdLayout } from './schema.ts';
import { OdError } from '../../contract/errors.ts';

export class ConfigError extends OdError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: invalid build configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known keys at a path of the schema, to suggest the one a typo meant. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: z.ZodType = BuildConfigSchema;
  for (const key of path) {
    let inner: any = schema;
    while (inner?.def?.innerType) inner = inner.def.innerType;
    const shape = inner?.def?.shape;
    if (!shape || typeof key !== 'string' || !(key in shape)) return [];
    schema = shape[key];
  }
  let inner: any = schema;
  while (inner?.def?.innerType) inner = inner.def.innerType;
  return Object.keys(inner?.def?.shape ?? {});
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const name = issue.path.length > 0 ? `${issue.path.join('.')}.${key}` : key;
      const near = knownKeys(issue.path).find((known) => editDistance(known, key) <= 2);
      return `unknown key "${name}"${near ? ` (did you mean "${near}"?)` : ''}`;
    });
  }
  return [`${where}: ${issue.message}`];
}

/** Validates a parsed configuration object; `file` only names the source in errors. */
export function parseConfig(raw: unknown, file = 'configuration'): BuildConfig {
  const result = BuildConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, result.error.issues.flatMap(describeIssue));
  return result.data;
}

export async function loadConfig(file: string): Promise<BuildConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(file, [`cannot read the file (${(cause as NodeJS.ErrnoException).code ?? cause})`], { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(file, [`not valid JSON: ${(cause as Error).message}`], { cause });
  }
  return parseConfig(raw, file);
}

/** Applies command-line overrides (only the options actually given) on top of the file. */
export function withOverrides(
  config: BuildConfig,
  overrides: Partial<{ outDir: string; cacheDir: string; compression: 'zstd' | 'gzip'; compressionLevel: number; cmdline: string; initrdLayout: InitrdLayout }>,
): BuildConfig {
  const merged = {
    ...config,
    ...(overrides.outDir !== undefined && { outDir: overrides.outDir }),
    ...(overrides.cacheDir !== undefined && { cacheDir: overrides.cacheDir }),
    kernel: { ...config.kernel, ...(overrides.cmdline !== undefined && { cmdline: overrides.cmdline }) },
    initrd: { ...config.initrd, ...(overrides.initrdLayout !== undefined && { layout: overrides.initrdLayout }) },
    compression: {
      method: overrides.compression ?? config.compression.method,
      level: overrides.compressionLevel ?? config.compression.level,
    },
  };
  // Overrides go through the same schema: a bad flag value is reported like a bad key.
  return parseConfig(merged, 'command-line options');
}
