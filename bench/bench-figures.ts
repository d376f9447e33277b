// The report's figures that are read from files rather than from the boots: the sizes
// of what was built and booted, the memory of PID 1, and the cold build time (measured
// now, or carried over from the last report that measured it).
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { effectiveMethod, type CompressionSettings } from '../builder/cpio/compress.ts';
import type { BuildContext } from '../builder/initrd/build-initrd.ts';
import type { BenchReport, SizeFigures } from './bench-report.ts';
import type { BootRun } from './boot-run.ts';
import type { ReferenceInitrd } from './reference-initrd.ts';
import { summarize } from './stats.ts';

export function rssFigures(runs: readonly BootRun[]): BenchReport['rss'] {
  return {
    real: summarize(runs.filter((r) => r.kind === 'real').map((r) => r.rssKb)),
    reference: summarize(runs.filter((r) => r.kind === 'reference').map((r) => r.rssKb)),
    notes: runs.filter((r) => r.rssKb === undefined).map((r) => `${r.kind} ${r.index}: ${r.rssNote ?? 'not read'}`),
  };
}

export interface SizeInputs {
  outDir: string;
  /** The copies that were booted. */
  realInitrd: string;
  vmlinuz: string;
  built: BuildContext;
  compression: CompressionSettings;
  reference: ReferenceInitrd;
}

export async function sizeFigures(inputs: SizeInputs): Promise<SizeFigures> {
  const { outDir, built, reference } = inputs;
  const isoPath = join(outDir, 'only-docker.iso');
  let iso: SizeFigures['iso'];
  if (existsSync(isoPath)) {
    const [isoStat, initrdStat] = await Promise.all([stat(isoPath), stat(join(outDir, 'initrd.img'))]);
    iso = { bytes: isoStat.size, modified: isoStat.mtime.toISOString().slice(0, 16).replace('T', ' '), olderThanInitrd: isoStat.mtimeMs < initrdStat.mtimeMs };
  }
  return {
    real: {
      compressedBytes: (await stat(inputs.realInitrd)).size,
      uncompressedBytes: built.cpioBytes,
      entries: built.tree.size,
      compression: effectiveMethod(inputs.compression.method),
      level: inputs.compression.level,
    },
    reference: { compressedBytes: reference.compressedBytes, uncompressedBytes: reference.cpioBytes, entries: reference.entries },
    vmlinuzBytes: (await stat(inputs.vmlinuz)).size,
    components: built.components,
    ...(iso ? { iso } : {}),
  };
}

async function previousColdBuild(reportPath: string): Promise<{ coldMs: number; date: string } | undefined> {
  try {
    const previous = JSON.parse(await readFile(reportPath, 'utf8')) as BenchReport;
    if (previous.build?.coldMs !== undefined) return { coldMs: previous.build.coldMs, date: previous.date };
  } catch {
    // no earlier report
  }
  return undefined;
}

/** The cold build time and where it comes from. */
export async function coldBuildFigure(input: { measured?: number; buildWasCold: boolean; buildMs: number; reportPath: string }): Promise<{ ms?: number; note: string }> {
  if (input.measured !== undefined) return { ms: input.measured, note: 'measured now (--cold)' };
  if (input.buildWasCold) return { ms: input.buildMs, note: "this run's build (nothing was cached)" };
  const previous = await previousColdBuild(input.reportPath);
  if (previous) return { ms: previous.coldMs, note: `measured ${previous.date} (an earlier benchmark)` };
  return { note: 'not measured: run with --cold (downloads ~140 MB)' };
}
