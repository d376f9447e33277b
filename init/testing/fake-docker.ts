// A small in-memory Docker daemon on a unix socket, for tests of the steps and
// supervisors that talk to the Engine API: images by name, containers by name or id,
// and a log of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../docker/containers.ts';
import type { ImageInspect } from '../docker/images.ts';
import type { SwarmInfo } from '../docker/swarm.ts';

export interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerSpec;
  running: boolean;
  exitCode: number;
  logs: Buffer;
  /** What `GET /containers/json` lists as its Ports while it runs. */
  ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

export interface FakeRequest {
  method: string;
  path: string;
  body: Buffer;
}

export interface FakeDocker {
  socketPath: string;
  images: Map<string, ImageInspect>;
  containers: Map<string, FakeContainer>;
  requests: FakeRequest[];
  /** Answers POST /images/load; by default adds nothing and says it loaded. */
  onLoad: (body: Buffer) => { status: number; body: string };
  /** Answers POST /images/create (a pull) of `repo:tag`; by default, no such image in any registry. */
  onPull: (reference: string) => { status: number; body: string };
  /** Called when a container is started; a throw is answered as a failed start (500 with its message). */
  onStart: (container: FakeContainer) => void;
  /** `Swarm` of `GET /info`; inactive until a swarm is started or joined. */
  swarm: SwarmInfo;
  /** Answers POST /swarm/init; by default this node becomes the manager of a new swarm (refused when it is in one). */
  onSwarmInit: (request: Record<string, unknown>) => { status: number; body: unknown };
  /** Answers POST /swarm/join; by default this node becomes a worker (refused when it is in one). */
  onSwarmJoin: (request: Record<string, unknown>) => { status: number; body: unknown };
  /** Sends an event to every open `GET /events` stream. */
  emitEvent(event: Record<string, unknown>): void;
  /** Ends every open event stream, as a dockerd that stops does. */
  endEvents(): void;
  close(): Promise<void>;
}

let nextId = 1;

/** Docker's answer to an init or join of a node that is in a swarm. */
const alreadyInSwarm = { status: 503, body: { message: 'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.' } };

export async function startFakeDocker(t: { after(fn: () => unknown): void }): Promise<FakeDocker> {
  const dir = mkdtempSync(join(tmpdir(), 'od-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const fake: FakeDocker = {
    socketPath,
    images: new Map(),
    containers: new Map(),
    requests: [],
    onLoad: () => ({ status: 200, body: '{"stream":"Loaded image: x\\n"}\n' }),
    onPull: (reference) => ({ status: 404, body: JSON.stringify({ message: `pull access denied for ${reference}` }) }),
    onStart: (container) => void (container.running = true),
    swarm: { LocalNodeState: 'inactive', NodeID: '', ControlAvailable: false },
    onSwarmInit: () => {
      if (fake.swarm.LocalNodeState !== 'inactive') return alreadyInSwarm;
      fake.swarm = { LocalNodeState: 'active', NodeID: 'node-manager-1', ControlAvailable: true };
      return { status: 200, body: JSON.stringify('node-manager-1') };
    },
    onSwarmJoin: () => {
      if (fake.swarm.LocalNodeState !== 'inactive') return alreadyInSwarm;
      fake.swarm = { LocalNodeState: 'active', NodeID: 'node-worker-1', ControlAvailable: false };
      return { status: 200, body: '' };
    },
    emitEvent: (event) => {
      for (const stream of eventStreams) stream.write(`${JSON.stringify(event)}\n`);
    },
    endEvents: () => {
      for (const stream of eventStreams) stream.end();
      eventStreams.clear();
    },
    close: async () => {},
  };
  const eventStreams = new Set<ServerResponse>();
  const findContainer = (ref: string) => [...fake.containers.values()].find((c) => c.id === ref || c.name === ref);
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = decodeURIComponent(url.pathname);
    fake.requests.push({ method: req.method ?? '', path: `${path}${url.search}`, body });
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = path.match(/^\/images\/(.+)\/json$/))) {
      const image = fake.images.get(m[1]!) ?? [...fake.images.values()].find((i) => i.Id === m![1]);
      return image ? send(res, 200, image) : send(res, 404, { message: `No such image: ${m[1]}` });
    }
    if (req.method === 'GET' && path === '/version') {
      return send(res, 200, { Version: '20.10.24+fake', ApiVersion: '1.41' });
    }
    if (req.method === 'GET' && path === '/info') {
      return send(res, 200, { ID: 'fake', Name: 'only-docker', Swarm: fake.swarm });
    }
    if (req.method === 'POST' && (path === '/swarm/init' || path === '/swarm/join')) {
      const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const answer = path === '/swarm/init' ? fake.onSwarmInit(request) : fake.onSwarmJoin(request);
      return send(res, answer.status, answer.body);
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      eventStreams.add(res);
      res.on('close', () => eventStreams.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/containers/json') {
      const labels = (JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] }).label ?? [];
      const listed = [...fake.containers.values()]
        .filter((c) => c.running || url.searchParams.get('all') === '1')
        .filter((c) => labels.every((label) => label in (c.spec.Labels ?? {})));
      return send(res, 200, listed.map((c) => ({ Id: c.id, Names: [`/${c.name}`], Image: c.spec.Image, Labels: c.spec.Labels ?? {}, State: c.running ? 'running' : 'exited', Ports: c.ports ?? [] })));
    }
    if (req.method === 'POST' && path === '/images/create') {
      const answer = fake.onPull(`${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}`);
      return send(res, answer.status, answer.body);
    }
    if (req.method === 'POST' && path === '/images/load') {
      const answer = fake.onLoad(body);
      return send(res, answer.status, answer.body);
    }
    if (req.method === 'POST' && path === '/containers/create') {
      const name = url.searchParams.get('name') ?? `c${nextId}`;
      if (findContainer(name)) return send(res, 409, { message: `Conflict. The container name "/${name}" is already in use` });
      const spec = JSON.parse(body.toString('utf8')) as ContainerSpec;
      if (!fake.images.has(spec.Image)) return send(res, 404, { message: `No such image: ${spec.Image}` });
      const id = `id${nextId++}`.padEnd(64, '0');
      fake.containers.set(id, { id, name, spec, running: false, exitCode: 0, logs: Buffer.alloc(0) });
      return send(res, 201, { Id: id, Warnings: [] });
    }
    if ((m = path.match(/^\/containers\/([^/]+)(\/[a-z]+)?$/))) {
      const container = findContainer(m[1]!);
      if (!container) return send(res, 404, { message: `No such container: ${m[1]}` });
      const action = m[2];
      if (req.method === 'POST' && action === '/start') {
        try {
          fake.onStart(container);
        } catch (error) {
          // As dockerd answers when the runtime cannot start the process.
          return send(res, 500, { message: error instanceof Error ? error.message : String(error) });
        }
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && action === '/json') {
        return send(res, 200, {
          Id: container.id,
          Name: `/${container.name}`,
          Image: container.spec.Image,
          Config: { Image: container.spec.Image, Labels: container.spec.Labels ?? {} },
          State: { Status: container.running ? 'running' : 'exited', Running: container.running, ExitCode: container.exitCode, StartedAt: '', FinishedAt: '' },
        });
      }
      if (req.method === 'GET' && action === '/logs') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' }).end(container.logs);
        return;
      }
      if (req.method === 'DELETE' && action === undefined) {
        if (container.running && url.searchParams.get('force') !== '1') return send(res, 409, { message: 'container is running' });
        fake.containers.delete(container.id);
        res.writeHead(204).end();
        return;
      }
    }
    send(res, 404, { message: 'page not found' });
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  t.after(async () => {
    server.closeAllConnections();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return fake;
}

/** A frame of Docker's multiplexed log stream. */
export function logFrame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
