// Source 3, the highest: the file QEMU passes by fw_cfg (`run.sh --config FILE` gives
// `-fw_cfg name=opt/org.only-docker/config,file=FILE`). The qemu_fw_cfg module (loaded by
// loadModules) shows each fw_cfg file as a directory under by_name/ with `size` and `raw`.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigSourceTooLargeError, maxConfigBytes, readConfigFile, type ConfigSourceText } from './config-source.ts';

/** The fw_cfg name run.sh gives the file; the same string is in kvm/run.sh. */
export const fwCfgConfigName = 'opt/org.only-docker/config';
export const fwCfgConfigPath = `/sys/firmware/qemu_fw_cfg/by_name/${fwCfgConfigName}/raw`;
export const fwCfgSource = `fw_cfg:${fwCfgConfigName}`;

/** The entry's `size` file; undefined when it cannot be read (then the bounded read decides). */
async function entrySize(rawPath: string): Promise<number | undefined> {
  try {
    const size = Number((await readFile(join(dirname(rawPath), 'size'), 'utf8')).trim());
    return Number.isSafeInteger(size) ? size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The text QEMU passed; undefined without one (not QEMU, no --config, or no fw_cfg
 * module). sysfs says 0 for `raw`'s size, so the entry's own `size` names a file too
 * large before any of it is read.
 */
export async function readFwCfgConfig(rawPath: string = fwCfgConfigPath): Promise<ConfigSourceText | undefined> {
  const size = await entrySize(rawPath);
  if (size !== undefined && size > maxConfigBytes) throw new ConfigSourceTooLargeError(fwCfgSource, size, maxConfigBytes);
  return readConfigFile(rawPath, fwCfgSource);
}
