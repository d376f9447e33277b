import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildTracker } from './child-tracker.ts';
import { hasErrorCode } from './syscall-error.ts';
import { WNOHANG, type Sys } from './sys.ts';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may itself contain
 * spaces and parentheses, so the fields after it are found from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const [state, ppid] = text.slice(close + 2).split(' ');
  if (!Number.isInteger(pid) || state === undefined || ppid === undefined) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid: Number(ppid) };
}

/** Zombies whose parent is us (PID 1) and that libuv does not own. */
export function findOrphanZombies(procRoot: string, parentPid: number, isTracked: (pid: number) => boolean): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const zombies: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: ProcStat | undefined;
    try {
      stat = parseProcStat(readFileSync(join(procRoot, name, 'stat'), 'utf8'));
    } catch {
      continue; // gone meanwhile
    }
    if (stat && stat.state === 'Z' && stat.ppid === parentPid && !isTracked(stat.pid)) zombies.push(stat);
  }
  return zombies;
}

export interface ReaperOptions {
  sys: Sys;
  tracker: ChildTracker;
  procRoot?: string;
  parentPid?: number;
  /** Backstop for a missed SIGCHLD. */
  intervalMs?: number;
  debug?: (message: string) => void;
}

/**
 * Reaps orphans re-parented to PID 1. Never waitpid(-1): that would also take libuv's
 * own children and their exit codes; each zombie is waited for by its pid instead.
 */
export class ZombieReaper {
  readonly #options: ReaperOptions;
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  reaped = 0;

  constructor(options: ReaperOptions) {
    this.#options = options;
  }

  reapOnce(): number[] {
    const { sys, tracker } = this.#options;
    const zombies = findOrphanZombies(this.#options.procRoot ?? '/proc', this.#options.parentPid ?? process.pid, (pid) =>
      tracker.has(pid),
    );
    const reaped: number[] = [];
    for (const zombie of zombies) {
      try {
        const result = sys.waitpid(zombie.pid, WNOHANG);
        if (result.pid === zombie.pid) {
          reaped.push(zombie.pid);
          this.#options.debug?.(`reaped orphan ${zombie.pid} (${zombie.comm}), status ${result.status}`);
        }
      } catch (error) {
        // ECHILD: someone (libuv) was faster; nothing to do.
        if (!hasErrorCode(error, 'ECHILD')) throw error;
      }
    }
    this.reaped += reaped.length;
    return reaped;
  }

  start(): void {
    if (this.#timer) return;
    const onSignal = () => this.#schedule();
    process.on('SIGCHLD', onSignal);
    this.#timer = setInterval(() => this.#schedule(), this.#options.intervalMs ?? 5000);
  }

  /** Several SIGCHLDs in one tick cost one /proc scan. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      try {
        this.reapOnce();
      } catch (error) {
        this.#options.debug?.(`reaper: ${(error as Error).message}`);
      }
    });
  }
}
