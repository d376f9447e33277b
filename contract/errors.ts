// One base class for the project's typed errors and one way to print a chain of causes,
// shared by the init (console lines, the emergency shell's reason) and the builder (its
// CLI's last words).

/** A typed error: `name` is the class name (esbuild keeps class names: minify is off). */
export class OdError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One line: the message of an Error, anything else as a string. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface ErrorChainOptions {
  /** Before each "caused by:" line. */
  indent?: string;
  /** The first error's stack after the chain: for bugs, where the stack finds the line. */
  withStack?: boolean;
  /** The last lines of a failed command's stderr (execa errors carry one) under its message. */
  withStderr?: boolean;
}

/** The message, then each `cause` in turn, one line each (at most 8 deep). */
export function describeErrorChain(error: unknown, options: ErrorChainOptions = {}): string {
  const indent = options.indent ?? '';
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const text = describeError(current);
    lines.push(depth === 0 ? text : `${indent}caused by: ${text}`);
    if (!(current instanceof Error)) break;
    const stderr = options.withStderr ? (current as { stderr?: unknown }).stderr : undefined;
    if (typeof stderr === 'string' && stderr.trim() && !current.message.includes(stderr.trim())) {
      lines.push(`${indent}${stderr.trim().split('\n').slice(-5).join(`\n${indent}`)}`);
    }
    current = current.cause;
  }
  if (options.withStack && error instanceof Error && error.stack) {
    lines.push(...error.stack.split('\n').slice(1).map((line) => line.trimEnd()));
  }
  return lines.join('\n');
}
