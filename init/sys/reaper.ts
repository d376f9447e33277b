import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildTracker } from './child-tracker.ts';
import { splitProcStat } from './proc-stat.ts';
import { hasErrorCode } from './syscall-error.ts';
import { WNOHANG, type Sys } from './sys.ts';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
}

/** The fields of /proc/<pid>/stat the reaper needs. */
export function parseProcStat(text: string): ProcStat | undefined {
  const split = splitProcStat(text);
  const [state, ppid] = split?.fields ?? [];
  if (!split || state === undefined || ppid === undefined) return undefined;
  return { pid: split.pid, comm: split.comm, state, ppid: Number(ppid) };
}

/**
 * The pids of a process's children, from /proc/<pid>/task/<tid>/children (one file per
 * thread: a child belongs to the thread that forked it; orphans come to the main one).
 * undefined when the kernel has no such files (CONFIG_PROC_CHILDREN off): then only a
 * scan of all of /proc finds them. Debian's kernel has them.
 */
export function listChildren(procRoot: string, pid: number): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(join(procRoot, String(pid), 'task'));
  } catch {
    return undefined;
  }
  const children: number[] = [];
  let found = false;
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, String(pid), 'task', tid, 'children'), 'utf8');
    } catch {
      continue; // a thread that ended meanwhile, or no children files at all
    }
    found = true;
    for (const word of text.split(' ')) if (word.trim()) children.push(Number(word));
  }
  return found ? children : undefined;
}

/**
 * Zombies whose parent is us (PID 1) and that libuv does not own. With `fast`, only our
 * children are looked at (their list is cheap to read); else every process in /proc,
 * which under an orphan storm with hundreds of processes costs PID 1 real time, so it is
 * kept for the periodic backstop.
 */
export function findOrphanZombies(
  procRoot: string,
  parentPid: number,
  isTracked: (pid: number) => boolean,
  options: { fast?: boolean } = {},
): ProcStat[] {
  let names: string[];
  const children = options.fast ? listChildren(procRoot, parentPid) : undefined;
  if (children) {
    names = children.filter((pid) => !isTracked(pid)).map(String);
  } else {
    try {
      names = readdirSync(procRoot);
    } catch {
      return [];
    }
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
  #fullPending = false;
  reaped = 0;
  /** Scans so far, and the time they took: what reaping costs PID 1. */
  scans = 0;
  scanMs = 0;

  constructor(options: ReaperOptions) {
    this.#options = options;
  }

  /** One pass; `fast` looks only at our children (SIGCHLD), else at all of /proc (the timer). */
  reapOnce(options: { fast?: boolean } = {}): number[] {
    const { sys, tracker } = this.#options;
    const started = performance.now();
    const zombies = findOrphanZombies(
      this.#options.procRoot ?? '/proc',
      this.#options.parentPid ?? process.pid,
      (pid) => tracker.has(pid),
      options,
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
    this.scans++;
    this.scanMs += performance.now() - started;
    return reaped;
  }

  start(): void {
    if (this.#timer) return;
    const onSignal = () => this.#schedule(true);
    process.on('SIGCHLD', onSignal);
    this.#timer = setInterval(() => this.#schedule(false), this.#options.intervalMs ?? 5000);
  }

  /** Several SIGCHLDs in one tick cost one scan; a full scan pending covers a fast one. */
  #schedule(fast: boolean): void {
    if (this.#scheduled) {
      if (!fast) this.#fullPending = true;
      return;
    }
    this.#scheduled = true;
    this.#fullPending = !fast;
    setImmediate(() => {
      this.#scheduled = false;
      const full = this.#fullPending;
      this.#fullPending = false;
      try {
        this.reapOnce({ fast: !full });
      } catch (error) {
        this.#options.debug?.(`reaper: ${(error as Error).message}`);
      }
    });
  }
}
