// Source 1, the lowest: .only-docker/config.yaml on the DOCKER disk, the configuration
// that stays with the machine's data (written from the console, kept across boots).
import { join } from 'node:path';
import { dockerDataRoot, stateDirName } from '../../storage/disk-layout.ts';
import { readConfigFile, type ConfigSourceText } from './config-source.ts';

/** Where the DOCKER disk is mounted (mountDockerDisk) plus the init's own directory on it. */
export const diskConfigPath = join(dockerDataRoot, stateDirName, 'config.yaml');

/** The file's text (its path is the source's name); undefined when there is none. */
export function readDiskConfig(path: string = diskConfigPath): Promise<ConfigSourceText | undefined> {
  return readConfigFile(path, path);
}
