import { printable } from '../logs/printable.ts';

/**
 * Lives in a row in which no console container ran before the terminal gets a host shell.
 * Eight, with the respawn backoff (1, 2, 4 ... 30 s), is about two minutes of failing: a
 * dockerd restart (40 s under emulation, the consoles failing meanwhile) must not turn
 * the terminal into a host shell, which would keep the console away after dockerd is back.
 */
export const failuresBeforeHostShell = 8;

/**
 * When no console container can run on a terminal (the console image could not be
 * loaded: no space left at 768 MiB without a disk; dockerd gone for good), the terminal
 * would only repeat "could not run" warnings, with no prompt. After a few such lives in
 * a row this policy hands it a host shell instead, saying why, as the emergency shell
 * does; when that shell exits, the console is tried again.
 */
export class ConsoleFallback {
  #failures = 0;
  #lastReason = '';

  /** A life in which no console container ran. */
  failed(reason: string): void {
    this.#failures++;
    this.#lastReason = reason;
  }

  /** A console container ran. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** The banner for a host shell when one is due (counted as given), else undefined. */
  hostShellDue(tty: string): string | undefined {
    if (this.#failures < failuresBeforeHostShell) return undefined;
    const failures = this.#failures;
    this.#failures = 0;
    return (
      `\nonly-docker: no console container could run on ${tty} (${failures} tries; last: ${printable(this.#lastReason)}).\n` +
      'This is a host shell instead, outside every container (the init is PID 1): look at\n' +
      '/var/log/only-docker-init.log, `df -h`, `free -m`, `docker info`. Exit it to try the console again.\n\n'
    );
  }
}
