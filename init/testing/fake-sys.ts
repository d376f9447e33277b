// A Sys that records calls instead of making them, for unit tests. Each method can be
// given a failure (a SyscallError with an errno) per call.
import { SyscallError } from '../sys/syscall-error.ts';
import type { Sys, WaitResult } from '../sys/sys.ts';
import { constants } from 'node:os';
import { openSync } from 'node:fs';

export interface FakeCall {
  name: keyof Sys;
  args: unknown[];
}

export type FakeSys = Sys & {
  calls: FakeCall[];
  /** Make the next calls of `name` fail with these errno names, one per call. */
  failNext(name: keyof Sys, ...codes: Array<keyof typeof constants.errno>): void;
  /** Results for waitpid, by pid. */
  waitResults: Map<number, WaitResult>;
};

export function fakeSys(): FakeSys {
  const calls: FakeCall[] = [];
  const failures = new Map<keyof Sys, string[]>();
  const waitResults = new Map<number, WaitResult>();
  const record = (name: keyof Sys, args: unknown[]) => {
    calls.push({ name, args });
    const queue = failures.get(name);
    const code = queue?.shift();
    if (code) throw new SyscallError(name, constants.errno[code as keyof typeof constants.errno], String(args[0] ?? ''));
  };
  return {
    calls,
    waitResults,
    failNext(name, ...codes) {
      failures.set(name, [...(failures.get(name) ?? []), ...codes]);
    },
    mount: (...args) => record('mount', args),
    umount2: (...args) => record('umount2', args),
    mknod: (...args) => record('mknod', args),
    sethostname: (...args) => record('sethostname', args),
    finitModule: (...args) => record('finitModule', args),
    sync: () => record('sync', []),
    dup2: (...args) => record('dup2', args),
    reboot: (...args) => record('reboot', args),
    kill: (...args) => record('kill', args),
    waitpid: (...args) => {
      record('waitpid', args);
      return waitResults.get(args[0]) ?? { pid: 0, status: 0 };
    },
    setResourceLimit: (...args) => record('setResourceLimit', args),
    setInterfaceUp: (...args) => record('setInterfaceUp', args),
    attachLoop: (...args) => {
      record('attachLoop', args);
      // A real descriptor, so the caller's close works as on a real boot.
      return { path: `${args[1]}/loop0`, fd: openSync('/dev/null', 'r') };
    },
  };
}
