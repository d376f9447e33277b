import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootContext, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { waitForDocker } from '../docker/wait-ready.ts';
import { dockerdArgs } from '../dockerd/dockerd-args.ts';
import { DockerdSupervisor } from '../dockerd/dockerd-supervisor.ts';
import { setOomScoreAdj, spawnDockerd } from '../dockerd/spawn-dockerd.ts';
import { dockerReady } from '../events.ts';
import { resolveLogRouting } from '../logs/log-targets.ts';
import { RotatingLog } from '../logs/rotating-log.ts';
import { RLIMIT_NOFILE, RLIMIT_NPROC } from '../sys/sys.ts';
import { remoteApiArgs } from '../tls/remote-args.ts';

/** fs.nr_open's default: the highest nofile the kernel allows without a sysctl. */
const maxOpenFiles = 1048576n;
const dockerdOomScoreAdj = -500;

/** How many of dockerd's last lines are kept to explain a dockerd that would not start. */
const recentLines = 15;

interface DockerdLineSink {
  onLine(line: string): void;
  /** The last lines, when they were not on the console already. */
  unseen(): string[];
}

/** Where dockerd's lines go, by od.log: the rotated file, the console, or both. */
function dockerdLineSink(ctx: BootContext): DockerdLineSink {
  const routing = resolveLogRouting(ctx.config.log, ctx.config.debug);
  const file = routing.file
    ? new RotatingLog({ path: ctx.paths.dockerLog, onError: (m) => ctx.console.warn(m) })
    : undefined;
  const recent: string[] = [];
  return {
    onLine(line) {
      file?.write(`${line}\n`);
      if (routing.console) ctx.console.raw(`dockerd: ${line}`);
      recent.push(line);
      if (recent.length > recentLines) recent.shift();
    },
    unseen: () => (routing.console ? [] : [...recent]),
  };
}

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

    const { args: configArgs, notes } = dockerdArgs({ config: ctx.config, ...(ctx.bridge ? { bridge: ctx.bridge } : {}) });
    for (const note of notes) ctx.console.warn(note);
    // od.remote: TCP listeners (TLS with prepareTls's certificates, or the loudly warned
    // plain one), first, so that od.dockerd.args can still add to them.
    const remote = remoteApiArgs(ctx.config.remote, ctx.tls?.layout, ctx.paths.dockerSocket);
    for (const warning of remote.warnings) ctx.console.warn(warning);
    const args = [...remote.args, ...configArgs];
    const sink = dockerdLineSink(ctx);
    const onLine = (line: string) => sink.onLine(line);
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const supervisor = new DockerdSupervisor({
      spawn: () => {
        const dockerd = spawnDockerd({ binary: ctx.paths.dockerdBinary, args, onLine });
        ctx.dockerd = dockerd;
        ctx.console.info(`dockerd started (pid ${dockerd.pid}${args.length ? `, args: ${args.join(' ')}` : ''})`);
        dockerd.gone.addEventListener('abort', () => ctx.console.debug(String(dockerd.gone.reason)), { once: true });
        try {
          setOomScoreAdj(dockerd.pid, dockerdOomScoreAdj);
        } catch (error) {
          ctx.console.warn(`cannot set dockerd's oom_score_adj: ${(error as Error).message}`);
        }
        return dockerd;
      },
      waitReady: async (dockerd) => {
        const attempts = await waitForDocker(client, { timeoutMs: ctx.config.dockerd.timeoutMs, signal: dockerd.gone });
        ctx.console.debug(`/_ping answered after ${attempts} attempts`);
      },
      emit: (event) => ctx.console.event(event),
      log: { info: (m) => ctx.console.info(m), warn: (m) => ctx.console.warn(m) },
    });
    ctx.dockerdSupervisor = supervisor;
    // A console that died with dockerd (its CLI lost the connection) comes back as soon
    // as dockerd answers again, not after its respawn backoff.
    supervisor.onRestarted(() => {
      for (const service of ctx.supervised ?? []) service.retryNow?.();
    });
    try {
      await supervisor.start();
    } catch (error) {
      const dockerd = ctx.dockerd;
      if (dockerd?.gone.aborted) {
        ctx.console.warn(String(dockerd.gone.reason));
        // Its last words may still be in the pipes when the exit is seen.
        await Promise.race([once(dockerd.child, 'close'), sleep(1000)]);
      }
      // What dockerd itself said is usually the why ("unknown flag", "driver not supported").
      const unseen = sink.unseen();
      if (unseen.length) {
        ctx.console.error(`dockerd's last lines (all of them in ${ctx.paths.dockerLog}):`);
        for (const line of unseen) ctx.console.raw(`dockerd: ${line}`);
      }
      throw error;
    }
    const version = await client.version({ timeoutMs: 10_000 });
    ctx.console.event(dockerReady(version.Version, version.ApiVersion));
    ctx.console.info(`Docker ${version.Version} is ready (API ${version.ApiVersion})`);
    if (remote.listeners.length) ctx.console.info(`remote API on ${remote.listeners.join(', ')}`);
  },
};
