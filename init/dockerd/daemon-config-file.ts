// Writes the configuration's daemon.json and has dockerd check it (`dockerd --validate`,
// Docker 23 and later) with the very command line it will start with, before it is
// used: a bad key or value in the file would otherwise keep dockerd, a required step,
// from starting at all. A file dockerd refuses is reported with dockerd's words, and
// dockerd starts without it.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { planDaemonJson } from './daemon-json.ts';
import { dockerdEnvironment } from './spawn-dockerd.ts';

const run = promisify(execFile);

export interface DaemonConfigFileInput {
  daemon: Readonly<Record<string, unknown>>;
  /** dockerd's command line without the file. */
  args: readonly string[];
  dockerdBinary: string;
  path: string;
  warn: (message: string) => void;
  validateTimeoutMs?: number;
}

/** The flags that point dockerd at the file (`--config-file PATH`), or none. */
export async function daemonConfigFileArgs(input: DaemonConfigFileInput): Promise<string[]> {
  const plan = planDaemonJson(input.daemon, input.args);
  for (const note of plan.notes) input.warn(note);
  if (!plan.file) return [];
  await mkdir(dirname(input.path), { recursive: true, mode: 0o755 });
  await writeFile(input.path, `${JSON.stringify(plan.file, null, 2)}\n`, { mode: 0o600 });
  const flags = ['--config-file', input.path];
  try {
    await run(input.dockerdBinary, ['--validate', ...input.args, ...flags], { env: dockerdEnvironment(), timeout: input.validateTimeoutMs ?? 60_000 });
    return flags;
  } catch (error) {
    const said = `${(error as { stderr?: string }).stderr ?? ''}${(error as { stdout?: string }).stdout ?? ''}`.trim() || (error as Error).message;
    input.warn(`docker.daemon refused by dockerd, which starts without it: ${said.split('\n').slice(-5).join(' | ')}`);
    return [];
  }
}
