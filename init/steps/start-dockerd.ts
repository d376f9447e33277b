import type { Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { waitForDocker } from '../docker/wait-ready.ts';
import { setOomScoreAdj, spawnDockerd } from '../dockerd/spawn-dockerd.ts';
import { dockerReady } from '../events.ts';
import { RLIMIT_NOFILE, RLIMIT_NPROC } from '../sys/sys.ts';

/** fs.nr_open's default: the highest nofile the kernel allows without a sysctl. */
const maxOpenFiles = 1048576n;
const dockerdOomScoreAdj = -500;

export const startDockerd: Step = {
  name: 'startDockerd',
  required: true,
  async run(ctx) {
    // Limits are inherited at fork, and dockerd reads them as it starts, so they are
    // raised on the init itself before the spawn (Docker's own unit file does the same
    // with LimitNOFILE/LimitNPROC). Children of the init get them too, which is harmless.
    for (const [name, resource, limit] of [
      ['nofile', RLIMIT_NOFILE, { soft: maxOpenFiles, hard: maxOpenFiles }],
      ['nproc', RLIMIT_NPROC, { soft: undefined, hard: undefined }],
    ] as const) {
      try {
        ctx.sys.setResourceLimit(0, resource, limit);
      } catch (error) {
        ctx.console.warn(`cannot raise the ${name} limit for dockerd: ${(error as Error).message}`);
      }
    }

    const args = ctx.config.dockerd.args;
    const dockerd = spawnDockerd({
      binary: ctx.paths.dockerdBinary,
      args,
      logPath: ctx.paths.dockerLog,
      ...(ctx.config.debug ? { echo: (line: string) => ctx.console.raw(line) } : {}),
    });
    ctx.dockerd = dockerd;
    ctx.console.info(`dockerd started (pid ${dockerd.pid}${args.length ? `, args: ${args.join(' ')}` : ''}), log in ${ctx.paths.dockerLog}`);
    dockerd.gone.addEventListener('abort', () => ctx.console.warn(String(dockerd.gone.reason)), { once: true });
    try {
      setOomScoreAdj(dockerd.pid, dockerdOomScoreAdj);
    } catch (error) {
      ctx.console.warn(`cannot set dockerd's oom_score_adj: ${(error as Error).message}`);
    }

    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const attempts = await waitForDocker(client, { timeoutMs: ctx.config.dockerd.timeoutMs, signal: dockerd.gone });
    const version = await client.version({ timeoutMs: 10_000 });
    ctx.console.debug(`/_ping answered after ${attempts} attempts`);
    ctx.console.event(dockerReady(version.Version, version.ApiVersion));
    ctx.console.info(`Docker ${version.Version} is ready (API ${version.ApiVersion})`);
  },
};
