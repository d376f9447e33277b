import { closeSync, existsSync, openSync } from 'node:fs';
import type { BootConsole } from './console.ts';
import { spawnWithTerminal } from './supervise/terminal.ts';
import type { Life, RunEnd } from './supervise/life.ts';
import { Respawner } from './supervise/respawner.ts';
import { describeError, OdError } from '../contract/errors.ts';

export interface EmergencyShellOptions {
  console: BootConsole;
  consoleDevice?: string;
  shell?: string;
  busybox?: string;
  /** First respawn delay; doubles while the shell keeps failing fast, up to maxDelayMs. */
  respawnDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A shell on the console for a person to find out what went wrong, started when the
 * boot cannot go on. It is respawned whenever it exits: PID 1 itself must never exit.
 */
export class EmergencyShell {
  readonly #options: Required<EmergencyShellOptions>;
  readonly #respawner: Respawner;

  constructor(options: EmergencyShellOptions) {
    this.#options = {
      consoleDevice: '/dev/console',
      shell: '/bin/sh',
      busybox: '/bin/busybox',
      respawnDelayMs: 1000,
      maxDelayMs: 60_000,
      ...options,
    };
    const { console, respawnDelayMs, maxDelayMs } = this.#options;
    this.#respawner = new Respawner({
      name: 'emergency shell',
      log: { info: (m) => console.info(m), warn: (m) => console.error(m) },
      spawn: () => this.#spawn(),
      backoff: { minDelayMs: respawnDelayMs, maxDelayMs, healthyAfterMs: 10_000, firstAttempt: 0 },
    });
  }

  /** Idempotent: one shell at a time. */
  start(): void {
    void this.#respawner.start();
  }

  /** No more respawns (shutdown, tests); a running shell is left alone. */
  stop(): void {
    this.#respawner.disableRestart();
  }

  #spawn(): Life {
    const { console, consoleDevice, busybox, shell } = this.#options;
    let fd: number;
    try {
      fd = openSync(consoleDevice, 'r+');
    } catch (cause) {
      throw new EmergencyShellError(`cannot open ${consoleDevice}: ${describeError(cause)}`, { cause });
    }
    try {
      // /dev/console cannot be a controlling terminal, so a shell on it has no job
      // control and Ctrl-C does nothing: busybox's cttyhack finds the real terminal
      // behind it (ttyS0, tty1) and makes it the controlling tty of a new session.
      const child = spawnWithTerminal(fd, {
        file: shell,
        args: [],
        ...(existsSync(busybox) ? { busybox } : {}),
        ctty: 'cttyhack',
        env: {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          HOME: '/',
          TERM: process.env.TERM ?? 'linux',
          PS1: 'only-docker (emergency) # ',
        },
      });
      console.info(`emergency shell on ${consoleDevice} (pid ${child.pid ?? '?'}); the init stays PID 1`);
      const exited = new Promise<RunEnd>((resolve, reject) => {
        child.once('error', (error) => reject(new EmergencyShellError(`${shell}: ${error.message}`, { cause: error })));
        child.once('close', (code, signal) => resolve({ code, signal }));
      });
      return { exited };
    } finally {
      closeSync(fd);
    }
  }
}

export class EmergencyShellError extends OdError {}
