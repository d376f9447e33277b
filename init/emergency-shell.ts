import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import type { BootConsole } from './console.ts';
import { spawnWithTerminal } from './supervise/terminal.ts';

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
  #child: ChildProcess | undefined;
  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;

  constructor(options: EmergencyShellOptions) {
    this.#options = {
      consoleDevice: '/dev/console',
      shell: '/bin/sh',
      busybox: '/bin/busybox',
      respawnDelayMs: 1000,
      maxDelayMs: 60_000,
      ...options,
    };
    this.#delay = this.#options.respawnDelayMs;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#spawn();
  }

  /** No more respawns (shutdown, tests); a running shell is left alone. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #spawn(): void {
    const { console, consoleDevice } = this.#options;
    let fd: number;
    try {
      fd = openSync(consoleDevice, 'r+');
    } catch (error) {
      console.error(`cannot open ${consoleDevice} for the emergency shell: ${(error as Error).message}`);
      this.#retry();
      return;
    }
    const { busybox, shell } = this.#options;
    const file = shell;
    const startedAt = Date.now();
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
      this.#child = child;
      console.info(`emergency shell on ${consoleDevice} (pid ${child.pid ?? '?'}); the init stays PID 1`);
      child.once('error', (error) => {
        console.error(`emergency shell ${file}: ${error.message}`);
      });
      child.once('close', (code, signal) => {
        this.#child = undefined;
        // A shell that lived a while was used and exited on purpose: come back at once.
        if (Date.now() - startedAt > 10_000) this.#delay = this.#options.respawnDelayMs;
        console.info(`emergency shell exited (${signal ? `signal ${signal}` : `code ${code}`}); starting a new one`);
        this.#retry();
      });
    } catch (error) {
      console.error(`cannot start the emergency shell ${file}: ${(error as Error).message}`);
      this.#retry();
    } finally {
      closeSync(fd);
    }
  }

  #retry(): void {
    if (this.#stopped) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#options.maxDelayMs);
    this.#timer = setTimeout(() => this.#spawn(), delay);
  }
}
