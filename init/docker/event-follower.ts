// Follows Docker's event stream (`GET /events`) for the machine's life: the one way the
// init's watchers (the forwarded ports, the services' keeper) hear of containers. When
// the stream ends (dockerd stopped or was restarted) the follower says so and opens it
// again once dockerd answers, after a pause; each opening is announced before any of its
// events, so a watcher can take a fresh look at Docker that no change falls before.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient, DockerVersion } from './docker-client.ts';
import { unixRequestStream } from './unix-http.ts';
import { LineSplitter } from '../logs/line-splitter.ts';

/** One line of `GET /events`, as far as the init reads it. */
export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time?: number;
}

/** `GET /events` filters: `{ type: ['container'], event: ['die'], label: ['x'] }`. */
export type DockerEventFilters = Partial<Record<'type' | 'event' | 'label', string[]>>;

export interface DockerEventFollowerOptions {
  client: DockerClient;
  filters: DockerEventFilters;
  /** The stream is open (again): dockerd's version, before any event of this opening. */
  onOpen(version: DockerVersion): Promise<void> | void;
  onEvent(event: DockerEvent): void;
  /** The stream ended or could not be opened: what was known of Docker may be gone. */
  onLost(): void;
  log: { debug(message: string): void };
  /** Pause before opening the stream again after it ended or could not be opened. */
  retryMs?: number;
}

export class DockerEventFollower {
  readonly #o: DockerEventFollowerOptions & { retryMs: number };
  readonly #stop = new AbortController();

  constructor(options: DockerEventFollowerOptions) {
    this.#o = { retryMs: 1000, ...options };
  }

  /** Follows in the background until stop(). */
  start(): void {
    void this.#follow();
  }

  stop(): void {
    this.#stop.abort();
  }

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    const path = `/events?filters=${encodeURIComponent(JSON.stringify(this.#o.filters))}`;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const version = await this.#o.client.version({ timeoutMs: 10_000, signal });
        const events = await unixRequestStream({ socketPath: this.#o.client.socketPath, method: 'GET', path, signal });
        if ((events.statusCode ?? 0) >= 400) throw new Error(`GET /events: ${events.statusCode}`);
        failures = 0;
        // Told after the stream is open, so no change falls between a fresh look and the events.
        await this.#o.onOpen(version);
        const lines = new LineSplitter((line) => {
          if (!line.trim()) return;
          let event: DockerEvent;
          try {
            event = JSON.parse(line) as DockerEvent;
          } catch {
            this.#o.log.debug(`a Docker event that is not JSON: ${line.slice(0, 200)}`);
            return;
          }
          this.#o.onEvent(event);
        });
        for await (const chunk of events) lines.push(chunk as Buffer);
        if (!signal.aborted) this.#o.log.debug('the Docker event stream ended (dockerd stopped or restarted)');
      } catch (error) {
        if (signal.aborted) return;
        // Said once per outage: dockerd restarting takes several tries.
        if (failures++ === 0) this.#o.log.debug(`cannot follow Docker's events: ${(error as Error).message}`);
      }
      if (signal.aborted) return;
      this.#o.onLost();
      await sleep(this.#o.retryMs, undefined, { signal }).catch(() => {});
    }
  }
}
