import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants } from 'node:os';
import type * as Koffi from 'koffi';
import { KOFFI_PATH } from '../../contract/initrd-layout.ts';
import { OdError } from '../../contract/errors.ts';

export type KoffiApi = typeof Koffi;


export class KoffiLoadError extends OdError {}

/**
 * Candidate paths, first match wins: an explicit override (tests, smoke-testing the
 * binary on the build host), the initrd location, then the package in node_modules
 * found from the working directory (unit tests run from the repository root).
 */
export function koffiCandidates(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const candidates: string[] = [];
  if (env.OD_KOFFI_PATH) candidates.push(env.OD_KOFFI_PATH);
  candidates.push(KOFFI_PATH);
  try {
    // Inside a single executable application this require only knows built-ins, so
    // resolving a package throws; that is fine, the initrd path above is the one used.
    const require = createRequire(join(cwd, 'package.json'));
    const pkg = require.resolve('@koromix/koffi-linux-x64/package.json');
    candidates.push(join(dirname(pkg), 'linux_x64', 'koffi.node'));
  } catch {
    // not on a build host
  }
  return candidates;
}

let loaded: KoffiApi | undefined;

/**
 * The native module's exports ARE the koffi API (load, func, errno...). Loading it with
 * process.dlopen skips koffi's JS wrapper, which cannot be bundled into the binary
 * because it requires the .node file from a path relative to itself.
 */
export function loadKoffi(candidates: string[] = koffiCandidates()): KoffiApi {
  if (loaded) return loaded;
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new KoffiLoadError(`koffi.node not found (looked in ${candidates.join(', ')})`);
  }
  const module = { exports: {} as KoffiApi };
  try {
    process.dlopen(module, path, constants.dlopen.RTLD_NOW);
  } catch (error) {
    throw new KoffiLoadError(`cannot load ${path}: ${(error as Error).message}`, { cause: error });
  }
  loaded = module.exports;
  return loaded;
}
