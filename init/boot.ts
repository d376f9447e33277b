import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { bootEnded } from '../contract/events.ts';
import { BootConsole, fdSink, textSink } from './console.ts';
import { defaultPaths, type BootContext } from './context.ts';
import { freshDefaults } from './config/options.ts';
import { EmergencyShell } from './emergency-shell.ts';
import { InitLog } from './logs/init-log.ts';
import { RotatingLog } from './logs/rotating-log.ts';
import { installPid1Guards, keepAlive } from './pid1-guards.ts';
import { describeErrorChain } from '../contract/errors.ts';
import { bootPlan } from './plan.ts';
import { installShutdown } from './shutdown/install-shutdown.ts';
import { runPlan, StepFailedError } from './runner.ts';
import { ChildTracker } from './sys/child-tracker.ts';
import { DiskSpaceWatch } from './storage/disk-space-watch.ts';
import { dockerDataRoot } from './storage/disk-layout.ts';
import { spawnWithChildOomScore } from './sys/child-oom-score.ts';
import { loadKoffi } from './sys/koffi.ts';
import { createLibcSys } from './sys/libc.ts';
import { ZombieReaper } from './sys/reaper.ts';
import { BootTimeline, initExecUptimeMs } from './timeline/boot-timeline.ts';
import type { Sys } from './sys/sys.ts';
import { initVersion } from './version.ts';

/** ", kernel uptime 8.2 s": the time since power-on, which is what a person waits. */
function kernelUptime(): string {
  try {
    const seconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(seconds) ? `, kernel uptime ${seconds.toFixed(1)} s` : '';
  } catch {
    return '';
  }
}

/** The init as PID 1: run the plan, then stay alive, reaping and keeping a shell up on failure. */
export async function boot(): Promise<void> {
  const started = performance.now();
  // The kernel starts /init with fds 0-2 on /dev/console. Every line also goes to the
  // init's log file (held back until startLogging knows od.log), and every event to the
  // boot timeline.
  const terminal = fdSink(1);
  const initLog = new InitLog({
    // Straight to the terminal: a failing log file must not report into itself.
    file: new RotatingLog({ path: defaultPaths.initLog, onError: (m) => terminal(`init: warning: ${m}`) }),
  });
  const console = new BootConsole(textSink(terminal), initLog.sink);
  const timeline = new BootTimeline({
    paths: [defaultPaths.bootTimeline],
    initExecUptimeMs: () => initExecUptimeMs(() => readFileSync('/proc/uptime', 'utf8')),
    onError: (m) => console.warn(m),
  });
  console.attach(timeline.sink);
  const tracker = new ChildTracker();
  tracker.install(spawnWithChildOomScore(defaultPaths.procSelfOomScoreAdj));
  const shell = new EmergencyShell({ console });
  let fatalSeen = false;
  let shutdownSignal: AbortSignal | undefined;
  const fatal = (what: string, error: unknown) => {
    try {
      // A failed step is an expected kind of failure: its chain says enough. Anything
      // else reaching here is a bug in the init, and the stack is what finds it.
      const isStepFailure = error instanceof StepFailedError;
      console.error(`${what}: ${describeErrorChain(error, { withStack: !isStepFailure })}`);
      // A shutdown is under way (it may be what ended dockerd): reboot(2) comes, not a shell.
      if (shutdownSignal?.aborted) return;
      if (!fatalSeen) console.error('the boot cannot go on; dropping to an emergency shell');
      fatalSeen = true;
      shell.start();
    } catch {
      // Nothing sensible is left to do; keep PID 1 alive.
    }
  };
  installPid1Guards(console, fatal);
  keepAlive();
  // performance.now() counts from process start: how long Node itself took to get here.
  console.info(
    `only-docker init ${initVersion} (Node ${process.version}, kernel ${release()}) running as PID ${process.pid}, ` +
      `${Math.round(performance.now())} ms after exec`,
  );

  let sys: Sys;
  try {
    sys = createLibcSys(loadKoffi());
  } catch (error) {
    fatal('cannot load the system call layer', error);
    return;
  }
  // Started before /proc is mounted: until then a scan finds nothing, which is fine.
  new ZombieReaper({ sys, tracker, debug: (m) => console.debug(m) }).start();

  const ctx: BootContext = {
    console,
    sys,
    paths: defaultPaths,
    kernelRelease: release(),
    config: freshDefaults(),
    initLog,
    bootStartedAt: started,
  };
  // From here on poweroff, reboot, halt, Ctrl-Alt-Del and the power button shut down cleanly.
  const shutdown = installShutdown(ctx, shell);
  shutdownSignal = shutdown.controller.signal;
  const result = await runPlan(shutdown.gate.wrap(bootPlan), ctx, {
    emit: (event) => console.event(event),
    info: (m) => console.info(m),
    warn: (m) => console.warn(m),
  });
  const ms = Math.round(performance.now() - started);
  if (shutdownSignal.aborted) {
    console.info(`boot cut short after ${(ms / 1000).toFixed(1)} s: ${String(shutdownSignal.reason)}`);
    return;
  }
  if (result.ok) {
    console.event(bootEnded('done', ms));
    console.info(`boot finished in ${(ms / 1000).toFixed(1)} s${kernelUptime()}`);
    new DiskSpaceWatch({ path: dockerDataRoot, warn: (m) => console.warn(m), info: (m) => console.info(m) }).start();
    if (ctx.storage?.mode === 'ram') console.warn('Docker runs from RAM: nothing is kept at power-off (no disk labelled DOCKER; see the storage section of the README)');
    // The consoles and the VT2 shell were started by steps; from here PID 1 only keeps them.
    if (ctx.supervised?.length) console.info(`supervising: ${ctx.supervised.map((s) => s.name).join(', ')}`);
  } else {
    console.event(bootEnded('failed', ms));
    fatal('boot failed', result.fatal);
  }
}
