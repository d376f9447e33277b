import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createContainer, inspectContainer, removeContainer } from '../docker/containers.ts';
import { DockerApiError, type DockerClient } from '../docker/docker-client.ts';
import { consoleReady, type ConsoleEvent } from '../../contract/events.ts';
import {
  bundledConsoleImage,
  chooseConsoleImage,
  consoleCommand,
  consoleContainerName,
  consoleContainerSpec,
  consoleImageChoices,
  terminalType,
} from './console-container.ts';
import { ConsoleFallback } from './console-fallback.ts';
import { hostShellCommand } from './host-shell.ts';
import { describeEnd, type RunEnd } from './life.ts';
import { Respawner, type RespawnLog } from './respawner.ts';
import type { Supervised } from './supervised.ts';
import { spawnOnTerminal, untilEnded, type TerminalChild, type TerminalCommand } from './terminal.ts';

export interface ConsoleSupervisorOptions {
  tty: string;
  client: DockerClient;
  log: RespawnLog;
  emit(event: ConsoleEvent): void;
  /** Milliseconds since the boot began, for the ready event. */
  sinceBoot(): number;
  devDir: string;
  dockerCli: string;
  /** Mounted read-only into every console when given (compose, buildx). */
  dockerCliPlugins?: string;
  dockerSocket: string;
  busybox: string;
  /** od.console.image */
  imageOverride: string | null;
  version: string;
  /**
   * dockerd's restarts: a console that died with dockerd (its CLI lost the connection)
   * comes back as soon as dockerd answers again, not after its respawn backoff.
   */
  dockerdRestarts?: { onRestarted(listener: () => void): () => void };
  /** Tests replace the terminal with a pipe. */
  spawn?: (command: TerminalCommand) => Promise<TerminalChild>;
  pollIntervalMs?: number;
  /** A life shorter than this that ends in an error counts against a custom image. */
  fastFailureMs?: number;
  minDelayMs?: number;
  /** The longest pause between respawns (tests shorten it). */
  maxDelayMs?: number;
}

/** How many fast failures of a custom image before one console from the bundled image. */
const failuresBeforeFallback = 2;

/**
 * One console container on one terminal, for as long as the machine runs: create it
 * through the API (image chosen afresh each time, so a retag takes effect on `exit`),
 * attach the docker CLI to it on the terminal with `docker start -ai`, and when that
 * ends, do it again. A custom image that keeps failing at once gets one console from
 * the bundled image in between, so a broken `console-image:latest` cannot lock a
 * person out.
 */
export class ConsoleSupervisor implements Supervised {
  readonly name: string;
  readonly tty: string;
  readonly #options: ConsoleSupervisorOptions;
  readonly #respawner: Respawner;
  #fastFailures = 0;
  #fallbackNext = false;
  #readyCount = 0;
  #unfollow: (() => void) | undefined;
  readonly #fallback = new ConsoleFallback();
  #markReady!: () => void;
  /** Resolves when the first console container on this terminal runs. */
  readonly firstReady = new Promise<void>((resolve) => (this.#markReady = resolve));

  constructor(options: ConsoleSupervisorOptions) {
    this.#options = options;
    this.tty = options.tty;
    this.name = `console on ${options.tty}`;
    this.#respawner = new Respawner({
      name: this.name,
      log: options.log,
      spawn: (signal) => ({ exited: this.#runOnce(signal) }),
      backoff: {
        ...(options.minDelayMs !== undefined ? { minDelayMs: options.minDelayMs } : {}),
        ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
      },
    });
  }

  /** Consoles that reached "running" so far. */
  get readyCount(): number {
    return this.#readyCount;
  }

  start(): void {
    this.#unfollow ??= this.#options.dockerdRestarts?.onRestarted(() => this.retryNow());
    void this.#respawner.start();
  }

  /** dockerd is back: try the console again now rather than after the backoff. */
  retryNow(): void {
    this.#respawner.retryNow();
  }

  stop(): Promise<void> {
    this.#unfollow?.();
    return this.#respawner.stop();
  }

  async #runOnce(signal: AbortSignal): Promise<RunEnd> {
    const banner = this.#fallback.hostShellDue(this.tty);
    if (banner) return this.#hostShell(banner, signal);
    const readyBefore = this.#readyCount;
    try {
      const end = await this.#runConsole(signal);
      if (this.#readyCount > readyBefore) this.#fallback.succeeded();
      else this.#fallback.failed(`the console container ended before it ran (${describeEnd(end)})`);
      return end;
    } catch (error) {
      this.#fallback.failed((error as Error).message);
      throw error;
    }
  }

  /** No console container could run: a host shell on this terminal, saying why. */
  async #hostShell(banner: string, signal: AbortSignal): Promise<RunEnd> {
    const o = this.#options;
    o.log.warn(`no console container could run on ${o.tty}: a host shell there instead, until it exits`);
    const spawnTerminal = o.spawn ?? spawnOnTerminal;
    const terminal = await spawnTerminal(hostShellCommand({ tty: o.tty, devDir: o.devDir, busybox: o.busybox, term: terminalType(o.tty), banner }));
    return untilEnded(terminal, signal);
  }

  async #runConsole(signal: AbortSignal): Promise<RunEnd> {
    const o = this.#options;
    const bundled = bundledConsoleImage(o.version);
    const candidates = this.#fallbackNext ? [bundled] : consoleImageChoices(o.imageOverride, o.version);
    if (this.#fallbackNext) {
      this.#fallbackNext = false;
      this.#fastFailures = 0;
    }
    const started = performance.now();
    let imageName = bundled;
    try {
      const chosen = await chooseConsoleImage(o.client, candidates);
      imageName = chosen.name;
      const end = await this.#attach(chosen.name, consoleCommand(chosen.image), signal);
      this.#judge(imageName, bundled, performance.now() - started, end.code === 0 && !end.signal ? undefined : describeEnd(end));
      return end;
    } catch (error) {
      this.#judge(imageName, bundled, performance.now() - started, (error as Error).message);
      throw error;
    }
  }

  async #attach(image: string, cmd: string[] | undefined, signal: AbortSignal): Promise<RunEnd> {
    const o = this.#options;
    const name = consoleContainerName(o.tty);
    // A console left over: detached from (Ctrl-P Ctrl-Q), or from the last boot on a
    // persistent disk. Its name is ours.
    await removeContainer(o.client, name, { force: true, timeoutMs: 30_000 });
    const spec = consoleContainerSpec({
      tty: o.tty,
      image,
      dockerSocket: o.dockerSocket,
      dockerCli: o.dockerCli,
      ...(o.dockerCliPlugins ? { dockerCliPlugins: o.dockerCliPlugins } : {}),
      ...(cmd ? { cmd } : {}),
    });
    const id = await this.#create(name, spec);
    const spawnTerminal = o.spawn ?? spawnOnTerminal;
    const terminal = await spawnTerminal({
      device: join(o.devDir, o.tty),
      file: o.dockerCli,
      // -a -i: attach before starting, so nothing the console prints is lost.
      args: ['start', '-a', '-i', id],
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: '/root',
        TERM: terminalType(o.tty),
        DOCKER_HOST: `unix://${o.dockerSocket}`,
      },
      busybox: o.busybox,
      cwd: '/',
    });
    const ended = untilEnded(terminal, signal);
    await this.#reportWhenRunning(id, image, ended);
    return ended;
  }

  /** Creates the container; AutoRemove of the previous console may still hold the name for a moment. */
  async #create(name: string, spec: ReturnType<typeof consoleContainerSpec>): Promise<string> {
    const o = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await createContainer(o.client, name, spec, { timeoutMs: 30_000 });
      } catch (error) {
        const conflict = error instanceof DockerApiError && error.status === 409;
        if (!conflict || attempt >= 20) throw error;
        await sleep(250);
        await removeContainer(o.client, name, { force: true, timeoutMs: 30_000 });
      }
    }
  }

  /** The ready event, once the daemon says the container runs (the prompt follows). */
  async #reportWhenRunning(id: string, image: string, ended: Promise<RunEnd>): Promise<void> {
    const o = this.#options;
    let gone = false;
    void ended.then(
      () => (gone = true),
      () => (gone = true),
    );
    const deadline = performance.now() + 120_000;
    while (!gone && performance.now() < deadline) {
      try {
        const container = await inspectContainer(o.client, id, { timeoutMs: 10_000 });
        if (container?.State.Running) {
          this.#readyCount++;
          this.#markReady();
          o.emit(consoleReady(o.tty, o.sinceBoot(), image));
          return;
        }
        // Gone already (AutoRemove after a failed start): nothing became ready.
        if (!container) return;
      } catch {
        // the daemon is busy or restarting: the CLI reports on the terminal itself
      }
      await sleep(o.pollIntervalMs ?? 100);
    }
  }

  /** Counts fast failures of a custom image; after enough, the next console is ours. */
  #judge(image: string, bundled: string, livedMs: number, failure: string | undefined): void {
    const o = this.#options;
    if (image === bundled) return;
    if (failure === undefined || livedMs >= (o.fastFailureMs ?? 5000)) {
      this.#fastFailures = 0;
      return;
    }
    this.#fastFailures++;
    if (this.#fastFailures >= failuresBeforeFallback) {
      this.#fallbackNext = true;
      o.log.warn(
        `the console image ${image} failed ${this.#fastFailures} times within seconds (last: ${failure}); ` +
          `the next console on ${o.tty} is ${bundled} (fix or remove ${image}, then exit to try it again)`,
      );
    }
  }
}
