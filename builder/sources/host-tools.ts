// Host programs the builder runs (dpkg-deb, depmod, gpgv, xz). A missing one must say
// which Debian package brings it, so the person building knows the exact fix.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OdError } from '../../contract/errors.ts';

export class HostToolMissingError extends OdError {
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
    options?: { cause?: unknown },
  ) {
    super(`the build host has no "${tool}": install it with "apt-get install ${debianPackage}"`, options);
  }
}

// Root's PATH usually has the sbin directories, but a build run from a user's shell or
// from CI may not; depmod lives in /usr/sbin on Debian 12.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of `tool`, searched on PATH and then the standard system directories. */
export function findHostTool(tool: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: keep looking
    }
  }
  return undefined;
}

/** Like findHostTool, but a missing tool is an error naming its Debian package. */
export function requireHostTool(tool: string, debianPackage: string, env?: NodeJS.ProcessEnv): string {
  const found = findHostTool(tool, env);
  if (!found) throw new HostToolMissingError(tool, debianPackage);
  return found;
}
