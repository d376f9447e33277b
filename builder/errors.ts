// Turning the builder's typed errors into a message and an exit code, at the CLI's top.
import { ConfigError } from './config/load-config.ts';
import { HostToolMissingError } from './sources/host-tools.ts';
import { MissingArtifactError } from './outputs/output-errors.ts';
import { describeErrorChain } from '../contract/errors.ts';
import { MirrorNotFoundError } from './sources/apt-sources.ts';
import { LockedPackageGoneError } from './sources/debian-packages.ts';
import { LockFormatError, LockOutdatedError } from './sources/lock-file.ts';

export function exitCodeFor(err: unknown): number {
  // A lock that does not match the configuration, or a mirror nobody named: fix the setup.
  if (err instanceof ConfigError || err instanceof LockOutdatedError || err instanceof LockFormatError || err instanceof MirrorNotFoundError) return 78; // EX_CONFIG
  if (err instanceof HostToolMissingError || err instanceof LockedPackageGoneError) return 69; // EX_UNAVAILABLE
  if (err instanceof MissingArtifactError) return 66; // EX_NOINPUT: build first
  return 1;
}

/** The error's message followed by its chain of causes, one per line, and a failed command's stderr. */
export function describeError(err: unknown): string {
  return describeErrorChain(err, { indent: '  ', withStderr: true });
}
