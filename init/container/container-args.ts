// How the init knows it is a container's entrypoint, and what it passes on to dockerd.
// As the OS's PID 1 the kernel starts it with no arguments of ours; as a container's
// entrypoint (`docker run --privileged only-docker/dind --storage-driver vfs`) every
// argument after the image name is dockerd's, as with the docker:dind image.
import { existsSync } from 'node:fs';

/** Forces container mode whatever the detection says (an image that lacks /.dockerenv). */
export const containerFlag = '--container';

export interface ContainerInvocation {
  /** Arguments for dockerd, in order, after our own flag and a `--` separator are taken off. */
  dockerdArgs: string[];
  /** Why container mode was chosen, for the first console line. */
  reason: string;
}

export interface DetectionInput {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Markers count only for PID 1: a build host that is itself a container runs `init --self-test`. */
  pid: number;
  /** Files a container runtime leaves behind (Docker: /.dockerenv; Podman: /run/.containerenv). */
  exists?: (path: string) => boolean;
}

/** Marker files of container runtimes; a booted machine has none of them. */
export const containerMarkers = ['/.dockerenv', '/run/.containerenv'] as const;

/**
 * Container mode, or undefined for the machine's own boot. The `container` variable is
 * what systemd and LXC read; the marker files are Docker's and Podman's. They count only
 * when the init is PID 1 (a machine's initramfs has none of them); under another PID 1
 * (`docker run --init`) the image's entrypoint passes the flag. A kernel passes no
 * `--container` argument, so the flag is always the user's choice.
 */
export function detectContainerMode(input: DetectionInput): ContainerInvocation | undefined {
  const exists = input.exists ?? existsSync;
  const args = [...input.args];
  let reason: string | undefined;
  if (args[0] === containerFlag) {
    args.shift();
    reason = `${containerFlag} was given`;
  } else if (input.pid !== 1) {
    return undefined;
  } else if (input.env.container) {
    reason = `the container variable says ${input.env.container}`;
  } else {
    const marker = containerMarkers.find((path) => exists(path));
    if (marker) reason = `${marker} exists`;
  }
  if (reason === undefined) return undefined;
  if (args[0] === '--') args.shift();
  // `docker run only-docker/dind dockerd --debug`: the docker:dind habit of naming the daemon.
  if (args[0] === 'dockerd') args.shift();
  return { dockerdArgs: args, reason };
}
