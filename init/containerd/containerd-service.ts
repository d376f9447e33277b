// containerd as a daemon of the init's own, beside dockerd rather than under it.
//
// Why: dockerd gives a containerd it starts itself a fixed 15 s to answer
// (libcontainerd's startupTimeout) and exits when it does not, which containerd 1.7 misses
// on a slow machine (emulation under load, a nested Docker). Started here, containerd
// has the init's patience (the same od.dockerd.timeout), dockerd connects to a daemon
// that already serves (--containerd), and a dockerd that is killed or restarted finds
// containerd and the containers' shims still there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Respawner, type RespawnLog } from '../supervise/respawner.ts';
import { endChild } from '../supervise/terminal.ts';
import { hasExited, stopDaemon } from '../dockerd/dockerd-supervisor.ts';
import { spawnDockerd, type DockerdExit, type DockerdHandle } from '../dockerd/spawn-dockerd.ts';
import { containerdConfig, type ContainerdPaths } from './containerd-config.ts';
import { waitForSocket } from './wait-socket.ts';
import { setsFlag } from '../dockerd/dockerd-args.ts';

export interface ContainerdServiceOptions {
  binary: string;
  paths: ContainerdPaths;
  debug: boolean;
  /** How long the first containerd gets to serve. */
  readyTimeoutMs: number;
  /** containerd's lines (the same place dockerd's go). */
  onLine(line: string): void;
  log: RespawnLog;
  /** Called with each new containerd (its oom score). */
  onSpawn?(handle: DockerdHandle): void;
  root?: 'initramfs' | 'pivotable';
  /** SIGTERM first, SIGKILL after this. */
  graceMs?: number;
}

/** dockerd's arguments name a containerd of their own: the init then starts none. */
export function namesOwnContainerd(dockerdArgs: readonly string[]): boolean {
  return setsFlag(dockerdArgs, ['--containerd']);
}

export class ContainerdService {
  readonly #respawner: Respawner<DockerdHandle>;
  readonly socket: string;

  constructor(options: ContainerdServiceOptions) {
    const { paths } = options;
    this.socket = paths.socket;
    mkdirSync(dirname(paths.configFile), { recursive: true });
    writeFileSync(paths.configFile, containerdConfig(paths, { debug: options.debug }));
    this.#respawner = new Respawner<DockerdHandle>({
      name: 'containerd',
      log: options.log,
      spawn: () => {
        const handle = spawnDockerd({ name: 'containerd', binary: options.binary, args: ['--config', paths.configFile], onLine: options.onLine, root: options.root });
        options.onSpawn?.(handle);
        return handle;
      },
      ready: (handle) => waitForSocket(paths.socket, { timeoutMs: options.readyTimeoutMs, signal: handle.gone }),
      isOver: hasExited,
      end: (handle, grace) => endChild(handle.child, handle.exited, grace ?? options.graceMs ?? 10_000),
      firstLifeRequired: true,
      label: (handle) => `containerd (pid ${handle.pid})`,
      exitLevel: 'warn',
      showAttempt: true,
      backoff: { minDelayMs: 1000, maxDelayMs: 30_000, healthyAfterMs: 60_000, firstAttempt: 0 },
    });
  }

  /** The running containerd. */
  get current(): DockerdHandle | undefined {
    return this.#respawner.current;
  }

  /** The flag that points dockerd at this containerd. */
  get dockerdFlag(): string {
    return `--containerd=${this.socket}`;
  }

  /** A containerd is running (it may be between lives otherwise). */
  get running(): boolean {
    const handle = this.current;
    return handle !== undefined && !hasExited(handle);
  }

  /** Starts containerd; resolves once its socket serves. Throws when it never does. */
  async start(): Promise<DockerdHandle> {
    await this.#respawner.start();
    return this.#respawner.current!;
  }

  /** No more restarts; containerd keeps running (shutdown stops it after dockerd). */
  disableRestart(): void {
    this.#respawner.disableRestart();
  }

  /** No more restarts, then SIGTERM (SIGKILL after graceMs). Resolves with how it ended. */
  async stop(options: { graceMs?: number } = {}): Promise<DockerdExit | undefined> {
    return stopDaemon(this.#respawner, options);
  }
}
