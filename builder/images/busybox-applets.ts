// Busybox applet symlinks. The list comes from the binary itself (`busybox --list-full`)
// rather than from a list kept here: the applets a busybox has depend on how Debian
// configured that build, so only the binary knows, and a fixed list would go stale on
// the next busybox upgrade (dangling links, or missing tools). The cost is running the
// target binary on the build host, which is fine for an amd64 static busybox on an
// amd64 builder; a cross build would inject `listApplets` instead.
import { execa } from 'execa';
import type { LayerEntry } from './layer-entry.ts';

/** Where busybox itself lives in every image; the applet links point here. */
export const BUSYBOX_IMAGE_PATH = '/bin/busybox';

export class BusyboxAppletError extends Error {
  override name = 'BusyboxAppletError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type AppletSelection = { applets: 'all' | readonly string[]; exclude: readonly string[] };

/** `--list-full` prints one install path per line, relative to / ("usr/bin/[", "linuxrc"). */
export function parseAppletList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => `/${line.replace(/^\/+/, '')}`);
}

/** Runs the busybox binary to ask which applets it has, with their install paths. */
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

function appletName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Symlinks to /bin/busybox for the selected applets. A selected name the binary does
 * not have is an error (the image would miss a tool it was meant to have).
 */
export function appletSymlinks(appletPaths: readonly string[], selection: AppletSelection): LayerEntry[] {
  const available = appletPaths.filter((path) => path !== BUSYBOX_IMAGE_PATH);
  const names = new Set(available.map(appletName));
  const excluded = new Set(selection.exclude);
  let chosen: string[];
  if (selection.applets === 'all') {
    chosen = available;
  } else {
    const missing = selection.applets.filter((name) => !names.has(name));
    if (missing.length > 0) throw new BusyboxAppletError(`busybox has no applet ${missing.map((n) => `"${n}"`).join(', ')}`);
    const wanted = new Set(selection.applets);
    chosen = available.filter((path) => wanted.has(appletName(path)));
  }
  return chosen
    .filter((path) => !excluded.has(appletName(path)))
    .map((path) => ({ type: 'symlink' as const, path, target: BUSYBOX_IMAGE_PATH }));
}
