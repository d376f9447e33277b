// Follows Docker's container events and tells the host the published ports after each
// change. The events only say that something changed; the set itself comes from
// `GET /containers/json` (running containers with their port bindings, one call), so
// every line is the whole truth whatever events came before. When the event stream
// ends (dockerd stopped or was restarted) the containers went with it: the host hears
// so at once, and the stream is opened again with a fresh list once dockerd answers.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from '../docker/docker-client.ts';
import { unixRequestStream } from '../docker/unix-http.ts';
import { LineSplitter } from '../logs/line-splitter.ts';
import { dockerLine, portsLine } from './forward-line.ts';
import { publishedPorts, type ContainerSummary, type PublishedPort } from './published-ports.ts';

/** The events that can change the set: a container starts, stops, or goes away. */
const eventFilter = JSON.stringify({ type: ['container'], event: ['start', 'die', 'destroy'] });

export interface PortWatcherOptions {
  client: DockerClient;
  /** Receives each line for the host. */
  send(line: string): void;
  log: { debug(message: string): void; warn(message: string): void };
  /** Pause before opening the stream again after it ended or could not be opened. */
  retryMs?: number;
}

export class PortWatcher {
  readonly #o: Required<PortWatcherOptions>;
  readonly #stop = new AbortController();
  #last: string | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #firstSent: Promise<void>;
  #markFirstSent!: () => void;

  constructor(options: PortWatcherOptions) {
    this.#o = { retryMs: 1000, ...options };
    this.#firstSent = new Promise((resolve) => (this.#markFirstSent = resolve));
  }

  /** Starts following; resolves once the first set of ports has been sent. */
  start(): Promise<void> {
    void this.#follow();
    return this.#firstSent;
  }

  stop(): void {
    this.#stop.abort();
  }

  /** The ports of the last line sent. */
  get current(): string | undefined {
    return this.#last;
  }

  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const version = await this.#o.client.version({ timeoutMs: 10_000, signal });
        const events = await unixRequestStream({
          socketPath: this.#o.client.socketPath,
          method: 'GET',
          path: `/events?filters=${encodeURIComponent(eventFilter)}`,
          signal,
        });
        if ((events.statusCode ?? 0) >= 400) throw new Error(`GET /events: ${events.statusCode}`);
        failures = 0;
        this.#o.send(dockerLine(version.Version, version.ApiVersion));
        // Listed after the stream is open, so no change falls between the two.
        await this.refresh();
        const lines = new LineSplitter((line) => {
          if (line.trim()) void this.refresh();
        });
        for await (const chunk of events) lines.push(chunk as Buffer);
        if (!signal.aborted) this.#o.log.debug('the Docker event stream ended (dockerd stopped or restarted)');
      } catch (error) {
        if (signal.aborted) return;
        // Said once per outage: dockerd restarting takes several tries.
        if (failures++ === 0) this.#o.log.debug(`cannot follow Docker's events: ${(error as Error).message}`);
      }
      if (signal.aborted) return;
      this.#sendPorts([]);
      await sleep(this.#o.retryMs, undefined, { signal }).catch(() => {});
    }
  }

  /** Lists the containers and sends their ports when they changed; calls during a listing run it once more. */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          const containers = await this.#o.client.json<ContainerSummary[]>('GET', '/containers/json', undefined, { timeoutMs: 10_000 });
          this.#sendPorts(publishedPorts(containers));
        } catch (error) {
          this.#o.log.warn(`cannot list the containers for their ports: ${(error as Error).message}`);
        }
      } while (this.#again);
      this.#running = undefined;
    })();
    return this.#running;
  }

  #sendPorts(ports: readonly PublishedPort[]): void {
    const line = portsLine(ports);
    if (line === this.#last) return;
    this.#last = line;
    this.#o.send(line);
    this.#o.log.debug(`published ports for the host: ${line.slice('ports'.length).trim() || 'none'}`);
    this.#markFirstSent();
  }
}
