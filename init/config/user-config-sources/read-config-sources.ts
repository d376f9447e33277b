// All configuration sources, read in their order of precedence, lowest first: the file
// on the DOCKER disk, a config drive (cidata), QEMU's fw_cfg. A later one wins where they
// overlap (the caller merges them, and the kernel command line beats them all). A source
// that is there but cannot be read is a problem to report, and the others still count.
import { configSourceProblem, type ConfigSourceProblem, type ConfigSourceText } from './config-source.ts';
import { readConfigDrive, type ConfigDriveDeps } from './config-drive-source.ts';
import { diskConfigPath, readDiskConfig } from './disk-config-source.ts';
import { fwCfgConfigPath, fwCfgSource, readFwCfgConfig } from './fw-cfg-source.ts';

export interface ConfigSourcesDeps extends ConfigDriveDeps {
  /** The file on the DOCKER disk; null when no DOCKER disk is mounted (Docker in RAM). */
  diskConfigPath?: string | null;
  fwCfgPath?: string;
}

export interface ConfigSources {
  /** In precedence order, lowest first; only the sources that are there. */
  sources: ConfigSourceText[];
  problems: ConfigSourceProblem[];
}

interface SourceRead {
  found?: ConfigSourceText | undefined;
  notes?: ConfigSourceProblem[];
}

export async function readConfigSources(deps: ConfigSourcesDeps): Promise<ConfigSources> {
  const diskPath = deps.diskConfigPath === undefined ? diskConfigPath : deps.diskConfigPath;
  const fwCfgPath = deps.fwCfgPath ?? fwCfgConfigPath;
  // [the name a failure is reported under when the error does not name a source, the read]
  const readers: Array<[string, () => Promise<SourceRead>]> = [
    [diskPath ?? 'the DOCKER disk', async () => ({ found: diskPath === null ? undefined : await readDiskConfig(diskPath) })],
    ['the config drive', () => readConfigDrive(deps)],
    [fwCfgSource, async () => ({ found: await readFwCfgConfig(fwCfgPath) })],
  ];
  const result: ConfigSources = { sources: [], problems: [] };
  for (const [name, read] of readers) {
    try {
      const { found, notes = [] } = await read();
      if (found) result.sources.push(found);
      result.problems.push(...notes);
    } catch (error) {
      result.problems.push(configSourceProblem(name, error));
    }
  }
  return result;
}
