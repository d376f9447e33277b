import { setTimeout as sleep } from 'node:timers/promises';
import type { BootContext } from '../context.ts';
import { BootGate } from './boot-gate.ts';
import { defaultShutdownPaths, type ShutdownContext } from './shutdown-context.ts';
import { ShutdownController } from './shutdown-controller.ts';
import { listenForShutdownRequests, type ShutdownRequests } from './shutdown-requests.ts';

export interface InstalledShutdown {
  controller: ShutdownController;
  /** Wrap the boot plan with it: steps not yet started are skipped once a shutdown begins. */
  gate: BootGate;
  requests: ShutdownRequests;
}

/** After the containers' grace period: dockerd's own, then the stragglers'. */
const dockerdGraceMs = 10_000;
const killGraceMs = 3_000;
const supervisionGraceMs = 5_000;

/**
 * Called by boot() as soon as system calls work: from then on poweroff, reboot, halt,
 * Ctrl-Alt-Del and the power button shut the machine down cleanly, during the boot too.
 */
export function installShutdown(ctx: BootContext, emergencyShell: { stop(): void }): InstalledShutdown {
  let gate: BootGate | undefined;
  const controller = new ShutdownController({
    console: ctx.console,
    sys: ctx.sys,
    bootSettled: () => gate?.settled() ?? Promise.resolve(),
    context: (request): ShutdownContext => ({
      console: ctx.console,
      sys: ctx.sys,
      request,
      system: ctx,
      emergencyShell,
      paths: { ...defaultShutdownPaths, dockerSocket: ctx.paths.dockerSocket },
      timing: {
        graceMs: ctx.config.shutdown.timeoutMs,
        dockerdGraceMs,
        killGraceMs,
        supervisionGraceMs,
        now: () => performance.now(),
        sleep: (ms) => sleep(ms),
      },
      selfPid: process.pid,
    }),
    watchdogMs: (c) => c.timing.supervisionGraceMs + c.timing.graceMs + c.timing.dockerdGraceMs + 5000 + c.timing.killGraceMs + 2000 + 30_000,
  });
  gate = new BootGate(controller.signal);
  const requests = listenForShutdownRequests({ console: ctx.console, sys: ctx.sys, request: (r) => controller.request(r) });
  return { controller, gate, requests };
}
