// A small in-memory Docker daemon on a unix socket, for tests of the steps and
// supervisors that talk to the Engine API: images by name, containers by name or id,
// and a log of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../docker/containers.ts';
import type { ImageInspect } from '../docker/images.ts';

export interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerSpec;
  running: boolean;
  exitCode: number;
  logs: Buffer;
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
  /** Called when a container is started. */
  onStart: (container: FakeContainer) => void;
  close(): Promise<void>;
}

let nextId = 1;

export async function startFakeDocker(t: { after(fn: () => unknown): void }): Promise<FakeDocker> {
  const dir = mkdtempSync(join(tmpdir(), 'od-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const fake: FakeDocker = {
    socketPath,
    images: new Map(),
    containers: new Map(),
    requests: [],
    onLoad: () => ({ status: 200, body: '{"stream":"Loaded image: x\\n"}\n' }),
    onStart: (container) => void (container.running = true),
    close: async () => {},
  };
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
        fake.onStart(container);
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
