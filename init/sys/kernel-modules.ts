import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LOAD_LIST_FILE } from '../../contract/module-load-list.ts';
import { hasErrorCode } from './syscall-error.ts';
import { MODULE_INIT_COMPRESSED_FILE, type Sys } from './sys.ts';

export function loadListPath(modulesRoot: string, kernelRelease: string): string {
  return join(modulesRoot, kernelRelease, LOAD_LIST_FILE);
}

/** `kernel/net/bridge/br-netfilter.ko.xz` -> `br_netfilter`, the name /proc/modules uses. */
export function moduleName(path: string): string {
  return basename(path)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');
}

export function isCompressedModule(path: string): boolean {
  return /\.ko\.(xz|zst|gz)$/.test(path);
}

/** Names of loaded modules: the first column of /proc/modules. */
export function parseProcModules(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.split(' ', 1)[0];
    if (name) names.add(name);
  }
  return names;
}

export type ModuleLoadStatus = 'loaded' | 'already-loaded' | 'failed';

export interface ModuleLoadResult {
  path: string;
  name: string;
  status: ModuleLoadStatus;
  error?: Error;
}

export interface LoadModulesOptions {
  sys: Sys;
  /** /lib/modules/<release> */
  moduleDir: string;
  /** Names already in the kernel (from /proc/modules). */
  loaded: Set<string>;
  /** Built-in modules (and loaded ones) have a /sys/module/<name> directory. */
  isBuiltIn?: (name: string) => boolean;
}

/** A check for /sys/module/<name>, which loaded and built-in modules both have. */
export const sysModuleExists =
  (sysModule = '/sys/module') =>
  (name: string): boolean =>
    existsSync(join(sysModule, name));

/**
 * finit_module(2) each module in list order, in this process: no modprobe, no fork per
 * module. A failure is recorded and the next module is tried; modules that depended on
 * the failed one will fail in turn and say so.
 */
export function loadModuleList(modules: readonly string[], options: LoadModulesOptions): ModuleLoadResult[] {
  const results: ModuleLoadResult[] = [];
  for (const path of modules) {
    const name = moduleName(path);
    if (options.loaded.has(name) || options.isBuiltIn?.(name)) {
      results.push({ path, name, status: 'already-loaded' });
      continue;
    }
    let fd: number | undefined;
    try {
      fd = openSync(join(options.moduleDir, path), 'r');
      options.sys.finitModule(fd, '', isCompressedModule(path) ? MODULE_INIT_COMPRESSED_FILE : 0);
      options.loaded.add(name);
      results.push({ path, name, status: 'loaded' });
    } catch (error) {
      if (hasErrorCode(error, 'EEXIST')) {
        options.loaded.add(name);
        results.push({ path, name, status: 'already-loaded' });
      } else {
        results.push({ path, name, status: 'failed', error: error as Error });
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return results;
}

export function readProcModules(path: string): Set<string> {
  try {
    return parseProcModules(readFileSync(path, 'utf8'));
  } catch {
    // A kernel without module support has no /proc/modules; nothing is loaded then.
    return new Set();
  }
}
