import { join } from 'node:path';
import { Respawner, type RespawnLog } from './respawner.ts';
import type { Supervised } from './supervised.ts';
import { endChild, spawnOnTerminal, type TerminalChild, type TerminalCommand } from './terminal.ts';

export interface HostShellOptions {
  tty: string;
  devDir: string;
  busybox: string;
  shell?: string;
  log: RespawnLog;
  spawn?: (command: TerminalCommand) => Promise<TerminalChild>;
  minDelayMs?: number;
}

/**
 * A shell of the host itself, outside every container, on a VT of its own (Alt-F2):
 * where `ps` shows the init as PID 1, and where a person still gets in when dockerd
 * or the console image is broken. Respawned when it exits.
 */
export class HostShell implements Supervised {
  readonly name: string;
  readonly #respawner: Respawner;

  constructor(options: HostShellOptions) {
    this.name = `host shell on ${options.tty}`;
    const spawn = options.spawn ?? spawnOnTerminal;
    this.#respawner = new Respawner({
      name: this.name,
      log: options.log,
      ...(options.minDelayMs !== undefined ? { minDelayMs: options.minDelayMs } : {}),
      runOnce: async (signal) => {
        const terminal = await spawn({
          device: join(options.devDir, options.tty),
          file: options.shell ?? '/bin/sh',
          args: ['-l'],
          env: {
            PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
            HOME: '/root',
            TERM: 'linux',
            PS1: '[only-docker host] \\w # ',
          },
          cwd: '/root',
          busybox: options.busybox,
          banner:
            '\nonly-docker host shell: outside every container (the init is PID 1, see `ps`).\n' +
            'The console containers are on the serial port and Alt-F1; `docker` works here too.\n\n',
        });
        const onAbort = () => void endChild(terminal.child, terminal.ended);
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await terminal.ended;
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      },
    });
  }

  start(): void {
    this.#respawner.start();
  }

  stop(): Promise<void> {
    return this.#respawner.stop();
  }
}
