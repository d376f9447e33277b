// Follows Docker's container events and tells the host the published ports after each
// change. The events only say that something changed; the set itself comes from
// `GET /containers/json` (running containers with their port bindings, one call), so
// every line is the whole truth whatever events came before. When the event stream
// ends (dockerd stopped or was restarted) the containers went with it: the host hears
// so at once, and the stream is opened again with a fresh list once dockerd answers.
import { listContainers } from '../docker/containers.ts';
import type { DockerClient } from '../docker/docker-client.ts';
import { DockerEventFollower } from '../docker/event-follower.ts';
import { dockerLine, portsLine } from './forward-line.ts';
import { publishedPorts, type PublishedPort } from './published-ports.ts';

export interface PortWatcherOptions {
  client: DockerClient;
  /** Receives each line for the host. */
  send(line: string): void;
  log: { debug(message: string): void; warn(message: string): void };
  /** Pause before opening the stream again after it ended or could not be opened. */
  retryMs?: number;
}

export class PortWatcher {
  readonly #o: PortWatcherOptions;
  readonly #events: DockerEventFollower;
  #last: string | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #firstSent: Promise<void>;
  #markFirstSent!: () => void;

  constructor(options: PortWatcherOptions) {
    this.#o = options;
    this.#firstSent = new Promise((resolve) => (this.#markFirstSent = resolve));
    this.#events = new DockerEventFollower({
      client: options.client,
      // The events that can change the set: a container starts, stops, or goes away.
      filters: { type: ['container'], event: ['start', 'die', 'destroy'] },
      onOpen: async (version) => {
        this.#o.send(dockerLine(version.Version, version.ApiVersion));
        await this.refresh();
      },
      onEvent: () => void this.refresh(),
      // The containers went with dockerd: the host hears so at once.
      onLost: () => this.#sendPorts([]),
      log: options.log,
      ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    });
  }

  /** Starts following; resolves once the first set of ports has been sent. */
  start(): Promise<void> {
    this.#events.start();
    return this.#firstSent;
  }

  stop(): void {
    this.#events.stop();
  }

  /** The ports of the last line sent. */
  get current(): string | undefined {
    return this.#last;
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
          const containers = await listContainers(this.#o.client, {}, { timeoutMs: 10_000 });
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
