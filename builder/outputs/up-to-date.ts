// The up-to-date check of an output: it is rebuilt when any input file is newer than
// it, or when the parameters that shaped it (command line, version...) changed. Those
// parameters have no file to compare times with, so a small stamp beside the output
// records them.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

export interface Freshness {
  /** The output file. */
  output: string;
  /** Files the output is made from. */
  inputs: string[];
  /** Everything else that changes the output's bytes, JSON-serialisable. */
  parameters: unknown;
}

/** The stamp of an output: a hidden file beside it, so it never ends up in a bundle. */
export function stampPath(output: string): string {
  return join(dirname(output), `.${basename(output)}.stamp`);
}

function parametersDigest(parameters: unknown): string {
  return createHash('sha256').update(JSON.stringify(parameters)).digest('hex');
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** True when the output exists, is newer than every input, and was made with the same parameters. */
export async function isUpToDate(check: Freshness): Promise<boolean> {
  const outputTime = await mtimeMs(check.output);
  if (outputTime === undefined) return false;
  for (const input of check.inputs) {
    const inputTime = await mtimeMs(input);
    // A missing input cannot be judged: rebuild, and let the writer report it.
    if (inputTime === undefined || inputTime > outputTime) return false;
  }
  const stamp = await readFile(stampPath(check.output), 'utf8').catch(() => '');
  return stamp.trim() === parametersDigest(check.parameters);
}

/** Records the parameters an output was just written with. */
export async function writeStamp(check: Freshness): Promise<void> {
  await writeFile(stampPath(check.output), `${parametersDigest(check.parameters)}\n`);
}
