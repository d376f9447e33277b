import { ChildProcess } from 'node:child_process';

/**
 * The pids of children spawned through node:child_process, so the zombie reaper leaves
 * them to libuv: libuv reaps its own children by pid and reports their exit codes;
 * reaping one of them ourselves would lose that exit code.
 *
 * Every spawn (execa included) goes through ChildProcess.prototype.spawn, so wrapping
 * it once catches them all.
 */
export class ChildTracker {
  readonly #pids = new Set<number>();
  #installed = false;

  has(pid: number): boolean {
    return this.#pids.has(pid);
  }

  get size(): number {
    return this.#pids.size;
  }

  track(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.#pids.add(pid);
    // 'exit' comes after libuv's waitpid: from then on the pid is free for reuse.
    child.once('exit', () => this.#pids.delete(pid));
  }

  /** `around` wraps each synchronous spawn (the children's OOM score is set there). */
  install(around: <T>(spawn: () => T) => T = (spawn) => spawn()): void {
    if (this.#installed) return;
    this.#installed = true;
    const tracker = this;
    // spawn() is public at runtime but missing from @types/node.
    type Spawnable = { spawn(this: ChildProcess, ...args: unknown[]): unknown };
    const proto = ChildProcess.prototype as unknown as Spawnable;
    const original = proto.spawn;
    proto.spawn = function spawn(this: ChildProcess, ...args: unknown[]) {
      const result = around(() => original.apply(this, args));
      tracker.track(this);
      return result;
    };
  }
}
