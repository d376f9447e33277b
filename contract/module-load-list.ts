// lib/modules/<uname -r>/only-docker.load: the kernel modules the init loads, in load
// order (dependencies first), one path a line relative to that directory. The builder
// works out the closure (builder/sources/module-closure.ts) and writes it; the init
// only reads it and calls finit_module, with no modprobe logic of its own.
import { isAbsolute, normalize } from 'node:path';

export const LOAD_LIST_FILE = 'only-docker.load';

export function formatLoadList(paths: readonly string[]): string {
  return paths.map((path) => `${path}\n`).join('');
}

export interface LoadList {
  /** Relative to /lib/modules/<release>, in load order. */
  modules: string[];
  /** Lines that cannot be module paths (absolute, escaping the directory). */
  rejected: string[];
}

/** One path per line; blank lines and `#` comments ignored; order kept, repeats dropped. */
export function parseLoadList(text: string): LoadList {
  const modules: string[] = [];
  const rejected: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const path = normalize(line);
    if (isAbsolute(path) || path.startsWith('..') || !/\.ko(\.(xz|zst|gz))?$/.test(path)) {
      rejected.push(line);
      continue;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    modules.push(path);
  }
  return { modules, rejected };
}
