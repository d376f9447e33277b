// report.md, and the short version printed on the terminal (the same tables).
import { noisyRuns, NOISY_CORES, type BenchReport, type Compared, type Goal } from './bench-report.ts';
import type { Summary } from './stats.ts';

const s = (ms: number) => (ms / 1000).toFixed(ms !== 0 && Math.abs(ms) < 100 ? 2 : 1);

export function summaryCell(summary: Summary, format: (v: number) => string = s): string {
  if (summary.n === 0) return 'n/a';
  const cell = `${format(summary.min!)} / **${format(summary.median!)}** / ${format(summary.max!)}`;
  return summary.n < summary.runs ? `${cell} (${summary.n} of ${summary.runs} runs)` : cell;
}

function ratioCell(compared: Compared): string {
  return compared.ratio === undefined ? 'n/a' : compared.ratio.toFixed(2);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function milestoneTable(milestones: Compared[]): string {
  return table(
    ['milestone (s since power-on)', 'only-docker init: min / **median** / max', 'reference shell init: min / **median** / max', 'real / reference'],
    milestones.map((m) => [m.label, summaryCell(m.real), summaryCell(m.reference), ratioCell(m)]),
  );
}

export function stepTable(steps: Compared[]): string {
  return table(
    ['step (s, start → end)', 'only-docker init: min / **median** / max', 'reference shell init: min / **median** / max', 'real / reference'],
    steps.map((m) => [`\`${m.label}\``, summaryCell(m.real), summaryCell(m.reference), ratioCell(m)]),
  );
}

export function goalTable(goals: Goal[]): string {
  const mark = { met: '✅ met', missed: '❌ missed', 'not measured': '➖ not measured' } as const;
  return table(
    ['goal', 'target', 'measured', 'result'],
    goals.map((g) => [g.name, g.target, g.measured, `${mark[g.status]}${g.margin ? ` (${g.margin})` : ''}`]),
  );
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function sizeTable(report: BenchReport): string {
  const { sizes } = report;
  const rows: string[][] = [
    ['initrd (real), compressed', mb(sizes.real.compressedBytes), `${sizes.real.compression} -${sizes.real.level}`],
    ['initrd (real), uncompressed', mb(sizes.real.uncompressedBytes), `${sizes.real.entries} entries`],
    ['initrd (reference), compressed', mb(sizes.reference.compressedBytes), 'same compression'],
    ['initrd (reference), uncompressed', mb(sizes.reference.uncompressedBytes), `${sizes.reference.entries} entries`],
  ];
  if (sizes.vmlinuzBytes !== undefined) rows.push(['kernel (vmlinuz, outside the initrd)', mb(sizes.vmlinuzBytes), '']);
  const total = Object.values(sizes.components).reduce((sum, c) => sum + c.bytes, 0);
  for (const [name, component] of Object.entries(sizes.components).sort((a, b) => b[1].bytes - a[1].bytes)) {
    rows.push([`↳ ${name}`, mb(component.bytes), `${component.files} files, ${((component.bytes / total) * 100).toFixed(0)} % of the files' bytes`]);
  }
  rows.push(
    sizes.iso
      ? ['ISO (dist/only-docker.iso)', mb(sizes.iso.bytes), `${(sizes.iso.bytes / 1024 / 1024).toFixed(1)} MiB, written ${sizes.iso.modified}${sizes.iso.olderThanInitrd ? ', older than the initrd: run make iso' : ''}`]
      : ['ISO (dist/only-docker.iso)', 'n/a', 'not built: make iso'],
  );
  return table(['what', 'size', 'note'], rows);
}

export function buildTable(report: BenchReport): string {
  const { build } = report;
  const rows = [['warm rebuild (build command again, nothing changed)', build.warmMs === undefined ? 'n/a' : `${s(build.warmMs)} s`, build.warmNote ?? '']];
  // What the warm rebuild spends its time on, slowest first.
  const parts = [...(build.warmStartupMs !== undefined ? [{ title: 'start Node and tsx, load the configuration', ms: build.warmStartupMs }] : []), ...(build.warmTasks ?? [])];
  for (const part of parts.sort((a, b) => b.ms - a.ms)) rows.push([`↳ ${part.title.replace(/\|/g, '\\|')}`, `${s(part.ms)} s`, '']);
  rows.push(
    ['cold build (empty cache: downloads ~140 MB)', build.coldMs === undefined ? 'n/a' : `${s(build.coldMs)} s`, build.coldNote],
    ['the build before this benchmark', `${s(build.thisRunMs)} s`, build.thisRunCold ? 'cold (nothing cached)' : 'from the cache'],
  );
  return table(['build', 'time', 'note'], rows);
}

export function rssTable(report: BenchReport): string {
  const kb = (v: number) => `${(v / 1024).toFixed(1)}`;
  return table(
    ["PID 1's VmRSS after boot (MiB)", 'min / **median** / max'],
    [
      ['only-docker init', summaryCell(report.rss.real, kb)],
      ['reference shell init (busybox sh)', summaryCell(report.rss.reference, kb)],
    ],
  );
}

function settingsLine(report: BenchReport): string {
  const { settings, machine } = report;
  return (
    `${report.date}, ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), ${machine.os}, ${machine.qemu}. ` +
    `QEMU ${settings.accel}, ${settings.cpus} vCPU, ${settings.memoryMb} MiB, user network (virtio), kernel command line ` +
    `\`console=ttyS0,115200${settings.append ? ` ${settings.append}` : ''}\`; ${settings.runs} boots of each init, alternating.`
  );
}

/** A warning when other work on the host competed with the VMs for CPU. */
export function noiseWarning(report: BenchReport): string[] {
  const noisy = noisyRuns(report.runs);
  return noisy.length
    ? [
        `**Warning:** the host was busy with other work (more than ${NOISY_CORES} cores besides QEMU) during ${noisy.join(', ')}: ` +
          'under TCG that slows a boot down, so those times are not comparable. Run again on a quiet machine.',
        '',
      ]
    : [];
}

export function terminalSummary(report: BenchReport): string {
  return [
    `only-docker boot benchmark: ${settingsLine(report)}`,
    '',
    ...noiseWarning(report),
    goalTable(report.goals),
    '',
    milestoneTable(report.milestones),
    '',
    stepTable(report.steps),
    '',
    rssTable(report),
    '',
    sizeTable(report),
    '',
    buildTable(report),
  ].join('\n');
}

export function renderReport(report: BenchReport, options: { png?: string; svg: string }): string {
  const picture = options.png ?? options.svg;
  const payload = report.payload;
  const entryRows = payload.entries.map((row) => [
    `\`/${row.name}\``,
    row.real ? `${row.real.type} ${row.real.perm.toString(8)} ${row.real.size}` : '—',
    row.real ? `\`${row.real.sha256}\`` : '—',
    row.reference ? `\`${row.reference.sha256}\`` : '—',
    row.equal ? 'equal' : '**differs**',
  ]);
  const runRow = (run: BenchReport['runs'][number]) => [
    `${run.kind} ${run.index}`,
    run.stopReason,
    s(run.stoppedAtMs),
    run.otherCores === undefined ? 'n/a' : run.otherCores.toFixed(2),
    run.rssKb === undefined ? `n/a${run.rssNote ? ` (${run.rssNote})` : ''}` : `${run.rssKb} kB`,
    `[log](${run.logs.text}), [timed chunks](${run.logs.serial})`,
  ];
  return [
    '# only-docker boot benchmark',
    '',
    settingsLine(report),
    '',
    ...noiseWarning(report),
    'The real initrd (the only-docker init) against a reference initrd with the same kernel, modules, Docker, ' +
      'libraries and images whose `/init` is a busybox shell script doing the same steps one after the other ' +
      '(`bench/reference-init.sh`). Times are host-side timestamps of serial console lines, in seconds ' +
      'since QEMU was started; both inits print the same event lines.',
    '',
    '## Goals',
    '',
    goalTable(report.goals),
    '',
    '## Boot milestones',
    '',
    milestoneTable(report.milestones),
    '',
    `![boot timeline](${picture})`,
    '',
    `The picture shows the median run of each init (by time to the console prompt, else to the last milestone); [SVG](${options.svg}).`,
    '',
    '## Steps',
    '',
    stepTable(report.steps),
    '',
    '## Memory',
    '',
    rssTable(report),
    ...(report.rss.notes.length ? ['', ...report.rss.notes.map((note) => `- ${note}`)] : []),
    '',
    '## Sizes',
    '',
    sizeTable(report),
    '',
    '## Build time',
    '',
    buildTable(report),
    '',
    '## Same payload',
    '',
    `Both archives read back from the compressed files: ${payload.entries.length} entries; ${payload.equalCount} equal ` +
      `(type, permissions, size, device number, sha256 of the body), differing: ${payload.differing.map((n) => `\`/${n}\``).join(', ') || 'none'}. ` +
      (payload.ok ? '**Only /init differs.**' : `**Unexpected differences: ${payload.unexpected.join(', ')}.**`),
    '',
    '<details><summary>sha256 of every entry of both archives</summary>',
    '',
    table(['entry', 'type, mode, size (real)', 'sha256 (real)', 'sha256 (reference)', ''], entryRows),
    '',
    '</details>',
    '',
    '## Runs',
    '',
    table(['run', 'stopped', 'at (s)', 'other work on the host (cores)', 'PID 1 VmRSS', 'transcript'], report.runs.map(runRow)),
    ...(report.discardedRuns.length
      ? ['', `Booted again because other work on the host took more than ${NOISY_CORES} cores during them (not counted):`, '', table(['run', 'stopped', 'at (s)', 'other work on the host (cores)', 'PID 1 VmRSS', 'transcript'], report.discardedRuns.map(runRow))]
      : []),
    '',
  ].join('\n');
}
