import { join } from 'node:path';
import type { RunEnd } from './life.ts';
import { Respawner, type RespawnLog } from './respawner.ts';
import { spawnOnTerminal, untilEnded, type TerminalChild, type TerminalCommand } from './terminal.ts';

export interface HostShellOptions {
  tty: string;
  devDir: string;
  busybox: string;
  shell?: string;
  log: RespawnLog;
  spawn?: (command: TerminalCommand) => Promise<TerminalChild>;
  minDelayMs?: number;
}

/** A login shell of the host on a terminal, with a banner saying what it is. */
export function hostShellCommand(o: { tty: string; devDir: string; busybox: string; shell?: string; term?: string; banner: string }): TerminalCommand {
  return {
    device: join(o.devDir, o.tty),
    file: o.shell ?? '/bin/sh',
    args: ['-l'],
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      TERM: o.term ?? 'linux',
      PS1: '[only-docker host] \\w # ',
    },
    cwd: '/root',
    busybox: o.busybox,
    banner: o.banner,
  };
}

/**
 * A shell of the host itself, outside every container, on a VT of its own (Alt-F2):
 * where `ps` shows the init as PID 1, and where a person still gets in when dockerd
 * or the console image is broken. Respawned when it exits.
 */
export function hostShell(options: HostShellOptions): Respawner {
  const spawn = options.spawn ?? spawnOnTerminal;
  const run = async (signal: AbortSignal): Promise<RunEnd> => {
    const terminal = await spawn(
      hostShellCommand({
        ...options,
        banner:
          '\nonly-docker host shell: outside every container (the init is PID 1, see `ps`).\n' +
          'The console containers are on the serial port and Alt-F1; `docker` works here too.\n\n',
      }),
    );
    return untilEnded(terminal, signal);
  };
  return new Respawner({
    name: `host shell on ${options.tty}`,
    log: options.log,
    backoff: options.minDelayMs !== undefined ? { minDelayMs: options.minDelayMs } : {},
    spawn: (signal) => ({ exited: run(signal) }),
  });
}
