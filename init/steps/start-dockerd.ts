import { once } from 'node:events';
import type { BootContext, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { waitForDocker } from '../docker/wait-ready.ts';
import { dockerdArgs } from '../dockerd/dockerd-args.ts';
import { daemonConfigFileArgs } from '../dockerd/daemon-config-file.ts';
import { daemonSetsLogging } from '../dockerd/daemon-json.ts';
import { ContainerdService, namesOwnContainerd } from '../containerd/containerd-service.ts';
import { DockerdSupervisor } from '../dockerd/dockerd-supervisor.ts';
import { setOomScoreAdj, spawnDockerd, type DockerdHandle } from '../dockerd/spawn-dockerd.ts';
import { dockerReady } from '../../contract/events.ts';
import { resolveLogRouting } from '../logs/log-targets.ts';
import { RotatingLog } from '../logs/rotating-log.ts';
import { RLIMIT_NOFILE, RLIMIT_NPROC } from '../sys/sys.ts';
import { remoteApiArgs } from '../tls/remote-args.ts';
import { within } from '../sys/within.ts';

/** fs.nr_open's default: the highest nofile the kernel allows without a sysctl. */
const maxOpenFiles = 1048576n;
const dockerdOomScoreAdj = -500;
/** As dockerd sets for the containerd it manages: the last of the daemons to be chosen. */
const containerdOomScoreAdj = -999;

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
      if (routing.console) ctx.console.dockerd(line);
      recent.push(line);
      if (recent.length > recentLines) recent.shift();
    },
    unseen: () => (routing.console ? [] : [...recent]),
  };
}

/** Says why a daemon that would not start ended, with its last lines when the console did not show them. */
async function reportLastWords(ctx: BootContext, name: string, handle: DockerdHandle | undefined, unseen: () => string[]): Promise<void> {
  if (handle?.gone.aborted) {
    ctx.console.warn(String(handle.gone.reason));
    // Its last words may still be in the pipes when the exit is seen.
    await within(once(handle.child, 'close'), 1000, undefined);
  }
  // What the daemon itself said is usually the why ("unknown flag", "driver not supported").
  const lines = unseen();
  if (lines.length) {
    ctx.console.error(`${name}'s last lines (all of them in ${ctx.paths.dockerLog}):`);
    for (const line of lines) ctx.console.dockerd(line);
  }
}

/**
 * containerd, started and serving before dockerd (init/containerd/ says why); returns
 * the flag that points dockerd at it. When od.dockerd.args names a containerd of its
 * own, dockerd is left to it.
 */
async function startContainerd(ctx: BootContext, onLine: (line: string) => void, unseen: () => string[]): Promise<string[]> {
  if (namesOwnContainerd(ctx.config.dockerd.args)) {
    ctx.console.warn('od.dockerd.args sets --containerd: the init starts no containerd of its own');
    return [];
  }
  const started = performance.now();
  const containerd = new ContainerdService({
    binary: ctx.paths.containerdBinary,
    paths: ctx.paths.containerd,
    debug: ctx.config.debug,
    readyTimeoutMs: ctx.config.dockerd.timeoutMs,
    onLine,
    log: { info: (m) => ctx.console.info(m), warn: (m) => ctx.console.warn(m) },
    onSpawn: (handle) => {
      try {
        setOomScoreAdj(handle.pid, containerdOomScoreAdj);
      } catch (error) {
        ctx.console.warn(`cannot set containerd's oom_score_adj: ${(error as Error).message}`);
      }
    },
  });
  ctx.containerd = containerd;
  try {
    const handle = await containerd.start();
    ctx.console.info(`containerd serves on ${containerd.socket} (pid ${handle.pid}, ${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    await reportLastWords(ctx, 'containerd', containerd.current, unseen);
    throw error;
  }
  return [containerd.dockerdFlag];
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

    const daemon = ctx.config.user.docker.daemon;
    const { args: configArgs, notes } = dockerdArgs({ config: ctx.config, daemonSetsLogging: daemonSetsLogging(daemon), ...(ctx.bridge ? { bridge: ctx.bridge } : {}) });
    for (const note of notes) ctx.console.warn(note);
    // od.remote: TCP listeners (TLS with prepareTls's certificates, or the loudly warned
    // plain one), first, so that od.dockerd.args can still add to them.
    const remote = remoteApiArgs(ctx.config.remote, ctx.tls?.layout, ctx.paths.dockerSocket);
    for (const warning of remote.warnings) ctx.console.warn(warning);
    const sink = dockerdLineSink(ctx);
    const onLine = (line: string) => sink.onLine(line);
    const containerdArgs = await startContainerd(ctx, onLine, () => sink.unseen());
    const commandLine = [...containerdArgs, ...remote.args, ...configArgs];
    const fileArgs = await daemonConfigFileArgs({
      daemon,
      args: commandLine,
      dockerdBinary: ctx.paths.dockerdBinary,
      path: ctx.paths.daemonJson,
      warn: (m) => ctx.console.warn(m),
    });
    const args = [...commandLine, ...fileArgs];
    const extraEnv = ctx.config.user.docker.env;
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const supervisor = new DockerdSupervisor({
      spawn: () => {
        const dockerd = spawnDockerd({ binary: ctx.paths.dockerdBinary, args, onLine, extraEnv });
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
    try {
      await supervisor.start();
    } catch (error) {
      await reportLastWords(ctx, 'dockerd', supervisor.current, sink.unseen);
      throw error;
    }
    const version = await client.version({ timeoutMs: 10_000 });
    ctx.console.event(dockerReady(version.Version, version.ApiVersion));
    ctx.console.info(`Docker ${version.Version} is ready (API ${version.ApiVersion})`);
    if (remote.listeners.length) ctx.console.info(`remote API on ${remote.listeners.join(', ')}`);
  },
};
