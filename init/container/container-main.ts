// The init as a container's entrypoint (Docker-in-Docker): the part of the boot that
// still applies inside a privileged container — cgroup nesting, one iptables backend,
// certificates in the docker:dind layout, dockerd supervised, orphans reaped — and none
// of the machine's (modules, disks, consoles, power-off). SIGTERM (`docker stop`) stops
// dockerd cleanly and the container exits 0.
import { hostname } from 'node:os';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerClient } from '../docker/docker-client.ts';
import { waitForDocker } from '../docker/wait-ready.ts';
import { DockerdSupervisor } from '../dockerd/dockerd-supervisor.ts';
import { ContainerdService, namesOwnContainerd } from '../containerd/containerd-service.ts';
import { containerdPaths } from '../containerd/containerd-config.ts';
import { CONTAINERD_PATH } from '../../contract/initrd-layout.ts';
import { spawnDockerd, type DockerdHandle } from '../dockerd/spawn-dockerd.ts';
import { describeErrorChain } from '../../contract/errors.ts';
import { ChildTracker } from '../sys/child-tracker.ts';
import { loadKoffi } from '../sys/koffi.ts';
import { createLibcSys } from '../sys/libc.ts';
import { ZombieReaper } from '../sys/reaper.ts';
import { machineAddresses, serverAddresses } from '../tls/addresses.ts';
import { ensureCertificates } from '../tls/ensure-certificates.ts';
import type { TlsLayout } from '../tls/layout.ts';
import { initVersion } from '../version.ts';
import { nestCgroups } from './cgroup-nesting.ts';
import type { ContainerInvocation } from './container-args.ts';
import { containerDockerdArgs } from './container-dockerd-args.ts';
import { readDindSettings, type DindSettings } from './dind-settings.ts';
import { chooseBackend, linkBackend } from './iptables-backend.ts';
import { checkPrivileged } from './privileges.ts';
import { addRuntimeMounts, missingRuntimeMounts } from './runtime-mounts.ts';
import type { Sys } from '../sys/sys.ts';
import { readFileSync } from 'node:fs';

const dockerSocket = '/var/run/docker.sock';
const dockerdBinary = '/usr/sbin/dockerd';
/** docker stop waits 10 s before SIGKILL: dockerd gets most of it. */
const stopGraceMs = 8_000;
const readyTimeoutMs = 180_000;

interface Log {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

function containerLog(debug: boolean): Log {
  const write = (line: string) => process.stderr.write(`only-docker-dind: ${line}\n`);
  return { info: write, warn: (m) => write(`warning: ${m}`), debug: (m) => debug && write(`debug: ${m}`) };
}

/** docker:dind names: the container's host name, `docker` (the usual network alias), localhost. */
async function prepareTls(settings: DindSettings, log: Log): Promise<TlsLayout | undefined> {
  if (!settings.tlsCertDir) return undefined;
  const started = performance.now();
  const result = await ensureCertificates({
    dir: settings.tlsCertDir,
    dnsNames: [...new Set([hostname().toLowerCase(), 'docker', 'localhost', ...settings.extraDnsNames])],
    addresses: serverAddresses([...machineAddresses(), ...settings.extraAddresses]),
    keepOldAddresses: false,
  });
  const ms = Math.round(performance.now() - started);
  if (result.managedByUser) log.info(`TLS: using the certificates in ${settings.tlsCertDir} as they are (no ca/key.pem: managed by you)`);
  else if (result.issued.length > 0) log.info(`TLS: ${result.reasons.join('; ')} (${ms} ms); client certificates in ${result.layout.client.dir}`);
  else log.info(`TLS: certificates in ${settings.tlsCertDir} reused`);
  return result.layout;
}

/** The libc calls (mount, wait): undefined, said once, when koffi cannot be loaded. */
function libcSys(log: Log): Sys | undefined {
  try {
    return createLibcSys(loadKoffi());
  } catch (error) {
    log.warn(`no system calls (orphans will not be reaped, no mounts added): ${describeErrorChain(error)}`);
    return undefined;
  }
}

function startReaper(sys: Sys, log: Log): void {
  const tracker = new ChildTracker();
  tracker.install();
  try {
    new ZombieReaper({ sys, tracker, debug: (m) => log.debug(m) }).start();
  } catch (error) {
    log.warn(`orphans will not be reaped: ${describeErrorChain(error)}`);
  }
}

async function run(invocation: ContainerInvocation): Promise<number> {
  const settings = readDindSettings(process.env);
  const log = containerLog(settings.debug);
  log.info(`only-docker init ${initVersion} in container mode (${invocation.reason}), PID ${process.pid}`);
  for (const warning of settings.warnings) log.warn(warning);
  checkPrivileged();
  const sys = libcSys(log);
  if (sys && process.pid === 1) startReaper(sys, log);
  if (sys) addRuntimeMounts(missingRuntimeMounts(readFileSync('/proc/self/mountinfo', 'utf8')), (...args) => sys.mount(...args), log);

  const nesting = nestCgroups();
  log.debug(nesting.version === 'v2' ? `cgroup v2: ${nesting.moved} processes moved to init/, controllers ${nesting.controllers.join(' ')}` : 'cgroup v1: nothing to nest');
  const iptables = chooseBackend(settings.iptables);
  linkBackend(iptables.backend);
  log.info(`iptables: ${iptables.backend} (${iptables.why})`);

  const tls = await prepareTls(settings, log);
  const { args: dockerdArgs, listeners, warnings } = containerDockerdArgs(settings, invocation.dockerdArgs, tls, dockerSocket);
  for (const warning of warnings) log.warn(warning);

  // containerd first, with the init's patience (dockerd gives one it starts itself a
  // fixed 15 s, which a nested daemon on a busy machine misses); unless the arguments
  // name a containerd of their own.
  const containerd = namesOwnContainerd(dockerdArgs)
    ? undefined
    : new ContainerdService({
        binary: CONTAINERD_PATH,
        paths: containerdPaths,
        debug: settings.debug,
        readyTimeoutMs,
        root: 'pivotable',
        onLine: (line) => process.stdout.write(`${line}\n`),
        log,
      });
  const args = containerd ? [containerd.dockerdFlag, ...dockerdArgs] : dockerdArgs;

  const client = new DockerClient({ socketPath: dockerSocket });
  const supervisor =
    new DockerdSupervisor({
      spawn: () => {
        const handle: DockerdHandle = spawnDockerd({ binary: dockerdBinary, args, root: 'pivotable', onLine: (line) => process.stdout.write(`${line}\n`) });
        log.info(`dockerd started (pid ${handle.pid}): ${args.join(' ')}`);
        return handle;
      },
      waitReady: async (handle) => {
        await waitForDocker(client, { timeoutMs: readyTimeoutMs, signal: handle.gone });
      },
      emit: (event) => log.debug(JSON.stringify(event)),
      log,
    });

  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping dockerd`);
      void supervisor.stop({ graceMs: stopGraceMs }).then(async (exit) => {
        const clean = !exit || (exit.code === 0 && exit.signal === null);
        log.info(exit ? `dockerd ended (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})` : 'dockerd was not running');
        // What is left of docker stop's 10 s is containerd's (its containers are gone with dockerd's).
        await containerd?.stop({ graceMs: 1500 });
        resolve(clean ? 0 : 1);
      });
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  });

  try {
    if (containerd) {
      const handle = await containerd.start();
      log.info(`containerd serves on ${containerd.socket} (pid ${handle.pid})`);
    }
    await supervisor.start();
  } catch (error) {
    if (stopping) return stopped;
    const handle = supervisor.current;
    // Its last words may still be in the pipe.
    if (handle) await Promise.race([once(handle.child, 'close'), sleep(1000)]);
    log.warn(`${supervisor.current ? 'dockerd' : 'containerd'} did not start: ${describeErrorChain(error)}`);
    await supervisor.stop({ graceMs: 2000 });
    await containerd?.stop({ graceMs: 2000 });
    return 1;
  }
  const version = await client.version().catch(() => undefined);
  log.info(`Docker ${version?.Version ?? '(version unknown)'} is ready: ${listeners.join(', ')}`);
  return stopped;
}

/** Runs container mode to its end and exits with its status; never throws. */
export async function containerMain(invocation: ContainerInvocation): Promise<void> {
  let code: number;
  try {
    code = await run(invocation);
  } catch (error) {
    process.stderr.write(`only-docker-dind: error: ${describeErrorChain(error)}\n`);
    code = 1;
  }
  process.exit(code);
}
