// Which applets a busybox binary has, with their install paths, for the initrd's host
// side and for the images alike. The list comes from the binary itself
// (`busybox --list-full`) rather than from a list kept here: the applets a busybox has
// depend on how Debian configured that build, so only the binary knows, and a fixed
// list would go stale on the next busybox upgrade (dangling links, or missing tools).
// The cost is running the target binary on the build host, which is fine for an amd64
// static busybox on an amd64 builder; a cross build would inject its own lister.
import { execa } from 'execa';
import { OdError } from '../../contract/errors.ts';

export class BusyboxAppletError extends OdError {}

/** `--list-full` prints one install path per line, relative to / ("usr/bin/[", "linuxrc"): made absolute. */
export function parseAppletList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => `/${line.replace(/^\/+/, '')}`);
}

/** Runs the busybox binary to ask which applets it has, with their absolute install paths. */
export async function listBusyboxApplets(busyboxPath: string): Promise<string[]> {
  try {
    const { stdout } = await execa(busyboxPath, ['--list-full']);
    const applets = parseAppletList(stdout);
    if (applets.length === 0) throw new Error('it printed no applets');
    return applets;
  } catch (cause) {
    throw new BusyboxAppletError(`cannot list the applets of ${busyboxPath}: ${(cause as Error).message}`, { cause });
  }
}
