// e2fsprogs' mke2fs and e2fsck from the initrd. Called by their full paths: busybox
// has applets of the same names, and a shell that prefers applets would run those.
import { spawn } from 'node:child_process';
import { OdError } from '../../contract/errors.ts';

export const mke2fsPath = '/usr/sbin/mke2fs';
export const e2fsckPath = '/usr/sbin/e2fsck';

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, in arrival order. */
  output: string[];
  ms: number;
}

/** The program could not be started at all (missing from the initrd, not executable). */
export class ToolStartError extends OdError {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

export function runTool(file: string, args: string[], onLine?: (line: string) => void): Promise<ToolRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // stdin is /dev/null: neither program may ever wait for an answer from a person.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const output: string[] = [];
    let partial = '';
    const collect = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const text = line.replace(/\r$/, '');
        if (!text.trim()) continue;
        output.push(text);
        onLine?.(text);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (cause) => reject(new ToolStartError(`cannot run ${file}: ${cause.message}`, { cause })));
    child.once('close', (code, signal) => {
      if (partial.trim()) {
        output.push(partial);
        onLine?.(partial);
      }
      resolve({ code, signal, output, ms: Math.round(performance.now() - started) });
    });
  });
}

export type FsckVerdict =
  /** Mount it. */
  | { mount: true; result: 'clean' | 'repaired' | 'unchecked'; summary: string }
  /**
   * Leave it alone: mounting a filesystem with known damage read-write can make it
   * worse, and so can mounting one whose repair stopped half-way.
   */
  | { mount: false; result: 'errors' | 'interrupted'; summary: string };

/**
 * e2fsck's exit code is a bit mask (e2fsck(8)): 1 errors corrected, 2 corrected and the
 * system should be rebooted (only meaningful for a mounted root), 4 errors left
 * uncorrected, 8 operational error, 16 usage error, 32 cancelled, 128 shared library error.
 */
export function fsckVerdict(run: Pick<ToolRun, 'code' | 'signal'>): FsckVerdict {
  // Killed (a shutdown during a long check, the OOM killer) or cancelled (32: it caught
  // SIGINT or SIGTERM and stopped): it may have been half-way through a repair.
  if (run.code === null) return { mount: false, result: 'interrupted', summary: `e2fsck was killed (${run.signal ?? 'signal'}) before it finished` };
  const code = run.code;
  if (code & 32) return { mount: false, result: 'interrupted', summary: `e2fsck was cancelled before it finished (exit ${code})` };
  if (code & 4) return { mount: false, result: 'errors', summary: `e2fsck found errors it could not correct on its own (exit ${code})` };
  // 8, 16, 128: it could not start checking (device busy, usage, libraries): nothing changed.
  if (code & (8 | 16 | 128)) return { mount: true, result: 'unchecked', summary: `e2fsck could not check it (exit ${code})` };
  if (code & (1 | 2)) return { mount: true, result: 'repaired', summary: `e2fsck corrected errors (exit ${code})` };
  return { mount: true, result: 'clean', summary: 'clean' };
}

/**
 * `e2fsck -p` (preen): replays the journal, fixes what is safe to fix without asking, and
 * stops at anything else. On a clean filesystem it only reads the superblock.
 */
export function checkExtFilesystem(device: string, onLine?: (line: string) => void): Promise<ToolRun> {
  return runTool(e2fsckPath, ['-p', device], onLine);
}

/** ext4 with the label; mke2fs.conf's ext4 defaults (Debian 12: 64bit, metadata_csum...). */
export function makeExtFilesystem(device: string, label: string, onLine?: (line: string) => void): Promise<ToolRun> {
  // mke2fs asks before overwriting a filesystem only when it runs on a terminal (so as
  // not to break scripts): examineBlank, just before, is the guard. No -F either, which
  // would also override mke2fs's refusal to format a mounted device.
  return runTool(mke2fsPath, ['-t', 'ext4', '-L', label, '-q', '-m', '1', device], onLine);
}
