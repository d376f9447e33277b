// The `virtualbox` output: dist/virtualbox/create-vm.sh, so the release bundle creates
// its VirtualBox VM with nothing from the repository. The script finds the ISO
// relative to itself, so it is copied as it is.
import { chmod, copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../project.ts';
import type { OutputInputs, OutputResult } from './output-types.ts';
import { OutputWriteError } from './output-errors.ts';
import { isUpToDate, writeStamp } from './up-to-date.ts';

export const VIRTUALBOX_SCRIPT_SOURCE = join(REPO_ROOT, 'virtualbox', 'create-vm.sh');

export function virtualboxScriptPath(outDir: string): string {
  return join(outDir, 'virtualbox', 'create-vm.sh');
}

export async function writeVirtualboxScript(inputs: OutputInputs): Promise<OutputResult> {
  const path = virtualboxScriptPath(inputs.outDir);
  const freshness = { output: path, inputs: [VIRTUALBOX_SCRIPT_SOURCE], parameters: {} };
  if (!inputs.force && (await isUpToDate(freshness))) {
    return { path, skipped: true, bytes: (await stat(path)).size };
  }
  try {
    await mkdir(join(inputs.outDir, 'virtualbox'), { recursive: true });
    await copyFile(VIRTUALBOX_SCRIPT_SOURCE, path);
    await chmod(path, 0o755);
  } catch (cause) {
    throw new OutputWriteError('virtualbox', `cannot copy ${VIRTUALBOX_SCRIPT_SOURCE} to ${path}`, { cause });
  }
  await writeStamp(freshness);
  return { path, skipped: false, bytes: (await stat(path)).size };
}
