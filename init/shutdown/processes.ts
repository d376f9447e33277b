import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitProcStat } from '../sys/proc-stat.ts';

/** PF_KTHREAD in the flags field of /proc/<pid>/stat: kernel threads take no signals. */
const PF_KTHREAD = 0x00200000;

export interface ProcessInfo {
  pid: number;
  comm: string;
  state: string;
  /** The controlling terminal's device number; 0 for none. */
  ttyNr: number;
}

/** The fields of /proc/<pid>/stat shutdown needs. */
export function parseStatForKill(text: string): (ProcessInfo & { ppid: number; kernelThread: boolean }) | undefined {
  const split = splitProcStat(text);
  if (!split) return undefined;
  // proc(5): state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9)
  const [state, ppidField, , , ttyField, , flagsField] = split.fields;
  const ppid = Number(ppidField);
  const ttyNr = Number(ttyField);
  const flags = Number(flagsField);
  if (state === undefined || !Number.isFinite(flags)) return undefined;
  return {
    pid: split.pid,
    comm: split.comm,
    state,
    ttyNr: Number.isFinite(ttyNr) ? ttyNr : 0,
    ppid,
    kernelThread: (flags & PF_KTHREAD) !== 0 || split.pid === 2 || ppid === 2,
  };
}

/** User processes other than `selfPid`, zombies left out (they hold no files and take no signals). */
export function liveUserProcesses(procRoot: string, selfPid: number): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === selfPid) continue;
    let stat;
    try {
      stat = parseStatForKill(readFileSync(join(procRoot, name, 'stat'), 'utf8'));
    } catch {
      continue; // gone meanwhile
    }
    if (!stat || stat.kernelThread || stat.state === 'Z' || stat.state === 'X') continue;
    found.push({ pid: stat.pid, comm: stat.comm, state: stat.state, ttyNr: stat.ttyNr });
  }
  return found;
}

/** The pids in a cgroup and every cgroup below it. */
export function cgroupPids(cgroupDir: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        if (/^\d+$/.test(line.trim())) pids.push(Number(line.trim()));
      }
    } catch {
      // no procs file: not a cgroup directory
    }
    for (const entry of entries) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(cgroupDir);
  return pids;
}
