// What every configuration source gives back, and how one file of a source is read.
// The text is not parsed here: parseUserConfig does that, with the source's name for
// its messages. Every source is read as untrusted (a config drive is whatever disk or
// CD was attached; fw_cfg is whatever the host passed): regular files only, bounded.
import { OdError, describeError } from '../../../contract/errors.ts';
import { readUntrustedFile, UntrustedFileTooLargeError } from '../../net/untrusted-file.ts';

/** The raw text of one source; `source` names it in messages (a path, `/dev/sr1:user-data`). */
export interface ConfigSourceText {
  source: string;
  text: string;
}

/** A source that is there but could not be read; the other sources still count. */
export interface ConfigSourceProblem {
  source: string;
  /** Names the source and the cause. */
  message: string;
}

/** A configuration is a few KiB: more than this is a mistake (the wrong file), not read. */
export const maxConfigBytes = 1024 * 1024;

/** A source could not be read; the message starts with the source's name. */
export class ConfigSourceError extends OdError {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
  }
}

export class ConfigSourceTooLargeError extends ConfigSourceError {
  constructor(
    source: string,
    readonly size: number,
    readonly maxBytes: number,
    options: { atLeast?: boolean; cause?: unknown } = {},
  ) {
    super(source, `${size} bytes${options.atLeast ? ' or more' : ''}, more than the ${maxBytes} a configuration may have: not read`, options);
  }
}

/** The error as a problem of `source` (an unexpected error keeps its own message). */
export function configSourceProblem(source: string, error: unknown): ConfigSourceProblem {
  if (error instanceof ConfigSourceError) return { source: error.source, message: error.message };
  return { source, message: `${source}: ${describeError(error)}` };
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The file's text, undefined when it is not there; ConfigSourceError when it cannot be read. */
export async function readConfigFile(path: string, source: string): Promise<ConfigSourceText | undefined> {
  try {
    return { source, text: await readUntrustedFile(path, maxConfigBytes) };
  } catch (cause) {
    if (isAbsent(cause)) return undefined;
    if (cause instanceof UntrustedFileTooLargeError) throw new ConfigSourceTooLargeError(source, cause.size, cause.maxBytes, { atLeast: cause.atLeast, cause });
    throw new ConfigSourceError(source, `cannot be read (${describeError(cause)})`, { cause });
  }
}
