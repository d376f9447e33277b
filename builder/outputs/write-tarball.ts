// The `tarball` output: dist/only-docker.tar.gz, the release bundle. Unpacked anywhere,
// ./dist/kvm/run.sh boots it with nothing else from the repository.
import { rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { OutputInputs, OutputResult } from './output-types.ts';
import { OutputWriteError } from './output-errors.ts';
import { isUpToDate, writeStamp } from './up-to-date.ts';
import { writeTarGz, type TarEntry } from './tar-gz.ts';
import { isoPath } from './write-iso.ts';
import { requireArtifacts } from './artifacts.ts';
import { kvmScriptPath } from './write-kvm-script.ts';
import { virtualboxScriptPath } from './write-virtualbox-script.ts';
import { README_PATH, readReleaseReadme } from './release-readme.ts';

export const TARBALL_NAME = 'only-docker.tar.gz';
/** Everything in the bundle is under this directory, as in the seed's release. */
export const BUNDLE_ROOT = 'dist';

export function tarballPath(outDir: string): string {
  return join(outDir, TARBALL_NAME);
}

async function mtimeMs(path: string): Promise<number | undefined> {
  return stat(path).then((s) => s.mtimeMs, () => undefined);
}

/** The ISO goes in only when it was made from the current kernel and initrd. */
async function usableIso(inputs: OutputInputs): Promise<{ path?: string; note?: string }> {
  const path = isoPath(inputs.outDir);
  const isoTime = await mtimeMs(path);
  if (isoTime === undefined) return { note: `no ${path}: the bundle has no ISO (make iso, then make tarball)` };
  for (const artifact of [inputs.vmlinuz, inputs.initrd]) {
    if ((await mtimeMs(artifact) ?? Infinity) > isoTime) {
      return { note: `${path} is older than ${artifact}: left out of the bundle (make iso, then make tarball)` };
    }
  }
  return { path };
}

export async function releaseEntries(inputs: OutputInputs, iso: string | undefined, readme: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [
    { kind: 'file', name: `${BUNDLE_ROOT}/vmlinuz`, fromPath: inputs.vmlinuz },
    { kind: 'file', name: `${BUNDLE_ROOT}/initrd.img`, fromPath: inputs.initrd },
    { kind: 'file', name: `${BUNDLE_ROOT}/kvm/run.sh`, fromPath: kvmScriptPath(inputs.outDir), executable: true },
    { kind: 'file', name: `${BUNDLE_ROOT}/virtualbox/create-vm.sh`, fromPath: virtualboxScriptPath(inputs.outDir), executable: true },
    { kind: 'data', name: `${BUNDLE_ROOT}/README.md`, data: Buffer.from(readme) },
  ];
  if (iso) entries.push({ kind: 'file', name: `${BUNDLE_ROOT}/only-docker.iso`, fromPath: iso });
  for (const entry of entries) {
    if (entry.kind === 'file' && (await mtimeMs(entry.fromPath)) === undefined) {
      throw new OutputWriteError('tarball', `${relative(process.cwd(), entry.fromPath)} is missing (the kvm and virtualbox outputs are written before the tarball)`);
    }
  }
  return entries;
}

/** Needs the kvm and virtualbox outputs written first (the CLI does). */
export async function writeTarball(inputs: OutputInputs): Promise<OutputResult> {
  await requireArtifacts(inputs);
  const output = tarballPath(inputs.outDir);
  const iso = await usableIso(inputs);
  const files = [inputs.vmlinuz, inputs.initrd, kvmScriptPath(inputs.outDir), virtualboxScriptPath(inputs.outDir), README_PATH, ...(iso.path ? [iso.path] : [])];
  const freshness = { output, inputs: files, parameters: { version: inputs.version, sourceDateEpoch: inputs.sourceDateEpoch, iso: Boolean(iso.path) } };
  const notes = iso.note ? [iso.note] : [];
  if (!inputs.force && (await isUpToDate(freshness))) {
    return { path: output, skipped: true, bytes: (await stat(output)).size, notes };
  }
  const entries = await releaseEntries(inputs, iso.path, await readReleaseReadme(inputs.version));
  const partial = `${output}.partial`;
  try {
    await writeTarGz(partial, entries, inputs.sourceDateEpoch);
    await rename(partial, output);
  } catch (cause) {
    throw new OutputWriteError('tarball', `cannot write ${output}`, { cause });
  } finally {
    await rm(partial, { force: true });
  }
  await writeStamp(freshness);
  return { path: output, skipped: false, bytes: (await stat(output)).size, notes };
}
