// Keeps the configuration's services running where dockerd's restart policies stop
// short. dockerd brings a service back after a crash, but counts a `docker kill` (or an
// OOM kill that reaches it through the API) as a person stopping it, and never starts it
// again until dockerd restarts. A service of the configuration is the machine's, as a
// unit with Restart=always is on a systemd host: so after each death the keeper looks
// again a moment later, and starts the container when dockerd left it stopped, unless
//   - a person stopped it with `docker stop` (Docker's `stop` event follows the death):
//     it stays stopped until started again or until the next boot;
//   - its restart policy says no (`no`; `on-failure` and exit code 0);
//   - it was removed (`docker rm -f`): the next boot creates it again.
// A service the keeper starts again and again is started with a growing pause (1 s
// doubling up to a minute), so that a container killed in a loop cannot hog the machine.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../config/user-config/user-config.ts';
import { inspectContainer, startContainer } from '../docker/containers.ts';
import type { DockerClient } from '../docker/docker-client.ts';
import { DockerEventFollower, type DockerEvent } from '../docker/event-follower.ts';
import { describeError } from '../../contract/errors.ts';
import type { Supervised } from '../supervise/supervised.ts';
import { SERVICE_LABEL } from './service-container.ts';

export interface ServiceKeeperOptions {
  client: DockerClient;
  services: readonly ServiceSpec[];
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
  /** The keeper started a service's container again. */
  onRestarted(service: string, container: string, exitCode: number | null): void;
  /** How long after a death dockerd's own restart and a `docker stop`'s event are waited for. */
  graceMs?: number;
  /** Restarts of one service closer together than this grow the pause before the next. */
  backoffWindowMs?: number;
  retryMs?: number;
}

/** Whether a service's restart policy asks for it to run again after it ended with `exitCode`. */
export function wantsRestart(policy: ServiceSpec['restart'], exitCode: number | null): boolean {
  if (policy === 'no') return false;
  if (policy === 'on-failure') return exitCode !== 0;
  return true;
}

export class ServiceKeeper implements Supervised {
  readonly name = 'service keeper';
  readonly #o: ServiceKeeperOptions & { graceMs: number; backoffWindowMs: number };
  readonly #services: Map<string, ServiceSpec>;
  readonly #events: DockerEventFollower;
  readonly #stop = new AbortController();
  /** Containers a person stopped (`stop` event) and nobody has started since. */
  readonly #stoppedByPerson = new Set<string>();
  /** Per service: when the keeper last started it, and the pause it waited before. */
  readonly #lastRestart = new Map<string, { at: number; pauseMs: number }>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: ServiceKeeperOptions) {
    this.#o = { graceMs: 3000, backoffWindowMs: 30_000, ...options };
    this.#services = new Map(options.services.map((service) => [service.name, service]));
    this.#events = new DockerEventFollower({
      client: options.client,
      filters: { type: ['container'], event: ['die', 'stop', 'start'], label: [SERVICE_LABEL] },
      onOpen: () => {},
      onEvent: (event) => this.#onEvent(event),
      onLost: () => {},
      log: options.log,
      ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    });
  }

  start(): void {
    this.#events.start();
  }

  /** No more restarts (the shutdown stops the containers next); waits for a start under way. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#events.stop();
    await Promise.allSettled([...this.#pending]);
  }

  #onEvent(event: DockerEvent): void {
    const service = this.#services.get(event.Actor.Attributes?.[SERVICE_LABEL] ?? '');
    if (!service) return;
    const id = event.Actor.ID;
    if (event.Action === 'stop') this.#stoppedByPerson.add(id);
    else if (event.Action === 'start') this.#stoppedByPerson.delete(id);
    else if (event.Action === 'die') {
      const code = Number.parseInt(event.Actor.Attributes?.exitCode ?? '', 10);
      const pending = this.#afterDeath(service, id, Number.isNaN(code) ? null : code);
      this.#pending.add(pending);
      void pending.finally(() => this.#pending.delete(pending));
    }
  }

  async #afterDeath(service: ServiceSpec, id: string, exitCode: number | null): Promise<void> {
    const signal = this.#stop.signal;
    const ended = `service ${service.name} ended${exitCode === null ? '' : ` (exit code ${exitCode})`}`;
    if (!(await this.#pause(this.#o.graceMs))) return;
    if (this.#stoppedByPerson.has(id)) {
      this.#o.log.info(`${ended} by docker stop: left stopped until it is started again or the machine boots again`);
      return;
    }
    if (!wantsRestart(service.restart, exitCode)) return;
    try {
      const container = await inspectContainer(this.#o.client, id, { timeoutMs: 10_000, signal });
      // Removed, or dockerd brings it back by itself.
      if (!container || container.State.Running || container.State.Restarting) return;
      const pauseMs = this.#nextPause(service.name);
      if (pauseMs > 0) {
        this.#o.log.info(`${ended} and dockerd left it stopped; starting it again in ${pauseMs / 1000} s`);
        if (!(await this.#pause(pauseMs))) return;
        if (this.#stoppedByPerson.has(id)) return;
      }
      await startContainer(this.#o.client, id, { timeoutMs: 30_000, signal });
      this.#lastRestart.set(service.name, { at: performance.now(), pauseMs });
      this.#o.log.info(`${ended} and dockerd left it stopped (as after docker kill): started again`);
      this.#o.onRestarted(service.name, id.slice(0, 12), exitCode);
    } catch (error) {
      if (signal.aborted) return;
      this.#o.log.warn(`${ended}; it could not be started again: ${describeError(error)}`);
    }
  }

  /** 0 for the first restart in a while, else twice the last pause (from 1 s, at most a minute). */
  #nextPause(service: string): number {
    const last = this.#lastRestart.get(service);
    if (!last || performance.now() - last.at > this.#o.backoffWindowMs) return 0;
    return Math.min(60_000, Math.max(1000, last.pauseMs * 2));
  }

  /** False when the keeper was stopped during the pause. */
  async #pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
      return true;
    } catch {
      return false;
    }
  }
}
