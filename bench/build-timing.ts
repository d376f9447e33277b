// Build times measured by running the build command itself, as a person would, with
// the time of each task taken from when its "✔" line appeared (the plain renderer
// prints one when a task ends), so the report can say what a rebuild spends its time on.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../builder/project.ts';
import { OdError } from '../contract/errors.ts';

export class BuildTimingError extends OdError {}

export interface BuildCommandOptions {
  config: string;
  /** Extra arguments for `build` (the same overrides the benchmark's own build got). */
  args: string[];
}

export interface TaskTime {
  title: string;
  ms: number;
}

export interface BuildTiming {
  ms: number;
  /** From the start of the process to its first task (Node, tsx, loading the config). */
  startupMs?: number;
  tasks: TaskTime[];
}

/** Task times from timed output lines: each "✔" line ends the time since the previous one. */
export function taskTimes(lines: readonly { t: number; text: string }[]): { startupMs?: number; tasks: TaskTime[] } {
  const tasks: TaskTime[] = [];
  let startupMs: number | undefined;
  let last: number | undefined;
  for (const { t, text } of lines) {
    const trimmed = text.trim();
    if (startupMs === undefined && /^[❯✔]/.test(trimmed)) {
      startupMs = t;
      last = t;
    }
    if (trimmed.startsWith('✔') && last !== undefined) {
      tasks.push({ title: trimmed.replace(/^✔\s*/, ''), ms: t - last });
      last = t;
    }
  }
  return { ...(startupMs !== undefined ? { startupMs } : {}), tasks };
}

/** Runs `only-docker build` in a child process; returns its wall time and per-task times. */
export async function timeBuildCommand(options: BuildCommandOptions, extraArgs: string[] = []): Promise<BuildTiming> {
  const started = performance.now();
  const lines: { t: number; text: string }[] = [];
  let partial = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'builder/cli.ts'), '--config', options.config, 'build', ...options.args, ...extraArgs], {
    cwd: REPO_ROOT,
    // A pipe, not a terminal: the build prints plain lines.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (chunk: Buffer) => {
    const t = performance.now() - started;
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ t, text });
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (cause) => reject(new BuildTimingError('cannot run the build command', { cause })));
    child.once('close', resolve);
  });
  const ms = performance.now() - started;
  if (partial) lines.push({ t: ms, text: partial });
  if (code !== 0) {
    const tail = lines.slice(-8).map((l) => l.text).join('\n');
    throw new BuildTimingError(`the timed build failed (exit ${code})${tail ? `:\n${tail}` : ''}`);
  }
  return { ms, ...taskTimes(lines) };
}

/** A cold build: a fresh cache and output directory, removed afterwards. */
export async function timeColdBuild(options: BuildCommandOptions): Promise<BuildTiming> {
  const scratch = await mkdtemp(join(tmpdir(), 'od-bench-cold-'));
  const args: string[] = [];
  for (let i = 0; i < options.args.length; i++) {
    // The scratch directories replace any given ones.
    if (options.args[i] === '--cache-dir' || options.args[i] === '--out-dir') i++;
    else args.push(options.args[i]!);
  }
  try {
    return await timeBuildCommand({ ...options, args }, ['--cache-dir', join(scratch, 'cache'), '--out-dir', join(scratch, 'dist')]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
