// Busybox applet symlinks in an image, for the applets the binary itself lists
// (builder/sources/busybox-applet-list.ts).
import { BusyboxAppletError } from '../sources/busybox-applet-list.ts';
import type { LayerEntry } from './layer-entry.ts';

/** Where busybox itself lives in every image; the applet links point here. */
export const BUSYBOX_IMAGE_PATH = '/bin/busybox';

export type AppletSelection = { applets: 'all' | readonly string[]; exclude: readonly string[] };

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
