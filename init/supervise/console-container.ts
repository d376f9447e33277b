// What a console container is: its name, its image, and the create body with the
// flags images/console/README.md documents. Pure, apart from asking the daemon which
// images exist.
import type { ContainerSpec } from '../docker/containers.ts';
import type { DockerClient } from '../docker/docker-client.ts';
import { inspectImage, type ImageInspect } from '../docker/images.ts';
import { OdError } from '../../contract/errors.ts';

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

/**
 * The candidates with ours last when od.console.image names an image that may not be
 * pulled yet: ours stands in. What a console (and the SSH server, which runs the
 * console's environment) is made from.
 */
export function consoleImageChoices(override: string | null, version: string): string[] {
  const candidates = consoleImageCandidates(override, version);
  const bundled = bundledConsoleImage(version);
  return candidates.includes(bundled) ? candidates : [...candidates, bundled];
}

export class ConsoleImageMissingError extends OdError {
  constructor(candidates: readonly string[]) {
    super(`no console image: none of ${candidates.join(', ')} is in the image store`);
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

/** The host's paths a console gets: the daemon's socket and the docker CLI. */
export interface ConsoleMountOptions {
  dockerSocket: string;
  dockerCli: string;
  /** The host's CLI plugin directory, when it has one. */
  dockerCliPlugins?: string;
}

export interface ConsoleSpecOptions extends ConsoleMountOptions {
  tty: string;
  image: string;
  cmd?: string[];
}

/**
 * Where the consoles find the host's CLI plugins. The docker CLI looks there before
 * /usr/libexec/docker/cli-plugins, so, like the mounted CLI itself (first on PATH),
 * the host's compose and buildx win over an image's own: plugins and CLI match.
 */
export const consolePluginDir = '/usr/local/lib/docker/cli-plugins';

/** What a dom0 console may do on the host, in a create body's HostConfig. */
export interface ConsoleHostAccess {
  Privileged: true;
  NetworkMode: 'host';
  PidMode: 'host';
  Binds: string[];
}

/**
 * What makes a container a dom0 console: privileged, the host's network and pid
 * namespaces, and the paths a person hands to the daemon mounted at the same paths (the
 * path rule in images/console/README.md), plus the host's docker CLI and its plugins
 * read-only. Shared by the consoles and the SSH server, so a session over SSH is the
 * same place as one on a terminal.
 */
export function consoleHostAccess(options: ConsoleMountOptions): ConsoleHostAccess {
  return {
    Privileged: true,
    NetworkMode: 'host',
    PidMode: 'host',
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
      ...(options.dockerCliPlugins ? [`${options.dockerCliPlugins}:${consolePluginDir}:ro`] : []),
    ],
  };
}

/**
 * The dom0 console on a terminal (consoleHostAccess). AutoRemove: a console is not
 * state; the next one is created fresh, which is also what makes Docker copy the
 * current /etc/resolv.conf into it.
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
      ...consoleHostAccess(options),
      AutoRemove: true,
      // No log: a terminal's transcript (passwords, `cat key.pem`) must not be kept on
      // disk, nor grow without bound. Attaching does not need one.
      LogConfig: { Type: 'none' },
    },
  };
}
