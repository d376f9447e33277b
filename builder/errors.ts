// Turning the builder's typed errors into a message and an exit code, at the CLI's top.
import { ConfigError } from './config/load-config.ts';
import { HostToolMissingError } from './sources/host-tools.ts';
import { MissingArtifactError } from './outputs/output-errors.ts';

export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigError) return 78; // EX_CONFIG
  if (err instanceof HostToolMissingError) return 69; // EX_UNAVAILABLE
  if (err instanceof MissingArtifactError) return 66; // EX_NOINPUT: build first
  return 1;
}

/** The error's message followed by its chain of causes, one per line. */
export function describeError(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? current.message : `  caused by: ${current.message}`);
      const stderr = (current as { stderr?: unknown }).stderr;
      if (typeof stderr === 'string' && stderr.trim() && !current.message.includes(stderr.trim())) {
        lines.push(`  ${stderr.trim().split('\n').slice(-5).join('\n  ')}`);
      }
      current = current.cause;
    } else {
      lines.push(depth === 0 ? String(current) : `  caused by: ${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}
