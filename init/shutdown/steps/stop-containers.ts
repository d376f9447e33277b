import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listContainers } from '../../docker/containers.ts';
import { DockerClient } from '../../docker/docker-client.ts';
import type { DockerdHandle } from '../../dockerd/spawn-dockerd.ts';
import { describeError } from '../../../contract/errors.ts';
import { cgroupPids } from '../processes.ts';
import { runningDockerd, type ShutdownContext } from '../shutdown-context.ts';
import type { ShutdownStep } from '../shutdown-plan-types.ts';

/** Names of the running containers, for the console; [] when the API does not answer. */
async function runningContainers(ctx: ShutdownContext): Promise<string[] | undefined> {
  try {
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const list = await listContainers(client, {}, { timeoutMs: 3000 });
    return list.map((c) => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''));
  } catch (error) {
    ctx.console.warn(`cannot list the running containers: ${describeError(error)}`);
    return undefined;
  }
}

/** Resolves true when dockerd exited within `ms`, false when it is still running. */
export async function exitedWithin(handle: DockerdHandle, ms: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
  if (handle.gone.aborted) return true;
  return Promise.race([handle.exited.then(() => true), sleep(Math.max(0, ms)).then(() => false)]);
}

/**
 * Ends every process in Docker's containers at once: cgroup.kill (Linux 5.14+) on the
 * parent of all container cgroups, else SIGKILL to each pid. Returns how many were there.
 */
export function killContainerProcesses(ctx: ShutdownContext): number {
  const pids = cgroupPids(ctx.paths.dockerCgroup);
  if (pids.length === 0) return 0;
  try {
    writeFileSync(join(ctx.paths.dockerCgroup, 'cgroup.kill'), '1');
  } catch {
    for (const pid of pids) {
      try {
        ctx.sys.kill(pid, 9);
      } catch {
        // already gone
      }
    }
  }
  return pids.length;
}

/**
 * The containers are stopped by dockerd itself: SIGTERM to dockerd makes it stop every
 * container in parallel (its stop signal, then SIGKILL after its stop timeout, 10 s
 * unless `--stop-timeout` says otherwise), then containerd, then it exits. Stopping
 * them through the API instead (POST /containers/{id}/stop) would mark each one as
 * stopped by hand, and Docker would not start `--restart unless-stopped` containers
 * again at the next boot; a daemon that is shutting down does not mark them.
 *
 * od.shutdown.timeout bounds it: containers still running after it are killed through
 * their cgroups, so a container that ignores SIGTERM cannot hold the machine up.
 */
export const stopContainers: ShutdownStep = {
  name: 'stopContainers',
  required: false,
  async run(ctx) {
    const dockerd = runningDockerd(ctx.system);
    if (!dockerd) return { skipped: 'dockerd is not running' };
    const { graceMs, now, sleep } = ctx.timing;
    const started = now();
    const names = await runningContainers(ctx);
    dockerd.child.kill('SIGTERM');
    if (names === undefined || names.length) {
      const which = names ? `${names.length} running container${names.length === 1 ? '' : 's'} (${names.join(', ')})` : 'the containers';
      ctx.console.info(`dockerd (pid ${dockerd.pid}) is stopping ${which}; at most ${graceMs / 1000} s before they are killed`);
    } else {
      ctx.console.info(`no containers running; dockerd (pid ${dockerd.pid}) is stopping`);
    }

    if (!(await exitedWithin(dockerd, graceMs - (now() - started), sleep))) {
      const killed = killContainerProcesses(ctx);
      if (killed) ctx.console.warn(`containers still running after ${graceMs / 1000} s were killed (${killed} processes)`);
      return;
    }
    // dockerd is gone. With --live-restore (or a dockerd that died) containers may be left.
    const left = cgroupPids(ctx.paths.dockerCgroup);
    if (left.length === 0) return;
    ctx.console.warn(`dockerd exited and left ${left.length} container processes running; sending them SIGTERM`);
    for (const pid of left) {
      try {
        ctx.sys.kill(pid, 15);
      } catch {
        // gone
      }
    }
    while (now() - started < graceMs && cgroupPids(ctx.paths.dockerCgroup).length) await sleep(100);
    const killed = killContainerProcesses(ctx);
    if (killed) ctx.console.warn(`container processes still running after ${graceMs / 1000} s were killed (${killed})`);
  },
};
