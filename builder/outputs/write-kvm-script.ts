// The `kvm` output: dist/kvm/run.sh, the repository's kvm/run.sh with the configured
// default kernel command line written into it, so the release boots like the ISO.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../project.ts';
import type { OutputInputs, OutputResult } from './output-types.ts';
import { OutputWriteError } from './output-errors.ts';
import { isUpToDate, writeStamp } from './up-to-date.ts';

export const KVM_SCRIPT_TEMPLATE = join(REPO_ROOT, 'kvm', 'run.sh');
const DEFAULT_LINE = /^DEFAULT_CMDLINE=.*$/m;

/** The script path inside an output directory. */
export function kvmScriptPath(outDir: string): string {
  return join(outDir, 'kvm', 'run.sh');
}

/** A bash single-quoted word: the only character to escape is the quote itself. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The template with its DEFAULT_CMDLINE line set to `cmdline`. */
export function renderKvmScript(template: string, cmdline: string): string {
  if (!DEFAULT_LINE.test(template)) {
    throw new OutputWriteError('kvm', `${KVM_SCRIPT_TEMPLATE} has no DEFAULT_CMDLINE= line to set the command line in`);
  }
  return template.replace(DEFAULT_LINE, `DEFAULT_CMDLINE=${shellQuote(cmdline.trim())}`);
}

export async function writeKvmScript(inputs: OutputInputs): Promise<OutputResult> {
  const path = kvmScriptPath(inputs.outDir);
  const freshness = { output: path, inputs: [KVM_SCRIPT_TEMPLATE], parameters: { cmdline: inputs.cmdline } };
  if (!inputs.force && (await isUpToDate(freshness))) {
    return { path, skipped: true, bytes: (await stat(path)).size };
  }
  let template: string;
  try {
    template = await readFile(KVM_SCRIPT_TEMPLATE, 'utf8');
  } catch (cause) {
    throw new OutputWriteError('kvm', `cannot read ${KVM_SCRIPT_TEMPLATE}`, { cause });
  }
  const script = renderKvmScript(template, inputs.cmdline);
  await mkdir(join(inputs.outDir, 'kvm'), { recursive: true });
  await writeFile(path, script);
  await chmod(path, 0o755);
  await writeStamp(freshness);
  return { path, skipped: false, bytes: Buffer.byteLength(script) };
}
