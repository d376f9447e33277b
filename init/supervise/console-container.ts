// What a console container is: its name, its image, and the create body with the
// flags images/console/README.md documents. Pure, apart from asking the daemon which
// images exist.
import type { ContainerSpec } from '../docker/containers.ts';
import type { DockerClient } from '../docker/docker-client.ts';
import { inspectImage, type ImageInspect } from '../docker/images.ts';

/** The image a person tags to replace the console: `docker tag myimage console-image:latest; exit`. */
export const customConsoleImage = 'console-image:latest';

export const consoleLabel = 'io.only-docker.console';

export function consoleContainerName(tty: string): string {
  return `console-${tty}`;
}

export function bundledConsoleImage(version: string): string {
  return `only-docker/console:${version}`;
}

/** The images to try, best first: od.console.image alone, else the person's then ours. */
export function consoleImageCandidates(override: string | null, version: string): string[] {
  if (override) return [override];
  return [customConsoleImage, bundledConsoleImage(version)];
}

export class ConsoleImageMissingError extends Error {
  constructor(candidates: readonly string[]) {
    super(`no console image: none of ${candidates.join(', ')} is in the image store`);
    this.name = 'ConsoleImageMissingError';
  }
}

export interface ChosenImage {
  name: string;
  image: ImageInspect;
}

/** The first candidate the daemon has. Asked again at every respawn: a retag takes effect on `exit`. */
export async function chooseConsoleImage(client: DockerClient, candidates: readonly string[]): Promise<ChosenImage> {
  for (const name of candidates) {
    const image = await inspectImage(client, name, { timeoutMs: 10_000 });
    if (image) return { name, image };
  }
  throw new ConsoleImageMissingError(candidates);
}

/**
 * An image made with `docker import` has neither entrypoint nor command, and Docker
 * refuses to create a container from it without one: give it a login shell.
 */
export function consoleCommand(image: ImageInspect): string[] | undefined {
  const entrypoint = image.Config?.Entrypoint ?? [];
  const cmd = image.Config?.Cmd ?? [];
  return entrypoint.length === 0 && cmd.length === 0 ? ['/bin/sh', '-l'] : undefined;
}

/** The terminal type of the device: the Linux VT's own, else what serial terminal emulators speak. */
export function terminalType(tty: string): string {
  return /^tty\d+$/.test(tty) ? 'linux' : 'xterm';
}

export interface ConsoleSpecOptions {
  tty: string;
  image: string;
  cmd?: string[];
  dockerSocket: string;
  dockerCli: string;
}

/**
 * The dom0 console: privileged, the host's network and pid namespaces, and the paths a
 * person hands to the daemon mounted at the same paths (the path rule in
 * images/console/README.md), plus the host's docker CLI read-only. AutoRemove: a
 * console is not state; the next one is created fresh, which is also what makes
 * Docker copy the current /etc/resolv.conf into it.
 */
export function consoleContainerSpec(options: ConsoleSpecOptions): ContainerSpec {
  return {
    Image: options.image,
    ...(options.cmd ? { Cmd: options.cmd } : {}),
    Env: [`TERM=${terminalType(options.tty)}`],
    Labels: { [consoleLabel]: options.tty },
    Tty: true,
    OpenStdin: true,
    // False so the stdin of a reattached CLI is not closed after the first detach.
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Privileged: true,
      NetworkMode: 'host',
      PidMode: 'host',
      AutoRemove: true,
      Binds: [
        `${options.dockerSocket}:/var/run/docker.sock`,
        '/dev:/dev',
        '/var/lib/docker:/var/lib/docker',
        '/root:/root',
        // The init's and dockerd's logs and the boot timeline, to read (not a path rule
        // thing: only for looking at them).
        '/var/log:/var/log:ro',
        '/run/only-docker:/run/only-docker:ro',
        `${options.dockerCli}:/usr/local/bin/docker:ro`,
      ],
    },
  };
}
