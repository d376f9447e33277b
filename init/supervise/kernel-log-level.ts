import { writeFileSync } from 'node:fs';
import type { InitConfig } from '../config/init-config.ts';

/** Console log level that keeps errors and worse: what the kernel's `quiet` sets. */
export const quietConsoleLevel = 4;

/**
 * Whether to lower the kernel's console log level once the consoles run. Without it
 * every container on the default bridge prints "docker0: port 1(veth…) entered
 * blocking state" and friends across the line a person is typing. Whoever chose a
 * level on the command line (loglevel=, quiet, debug, ignore_loglevel) or asked for
 * od.debug keeps it.
 */
export function shouldQuietKernelConsole(config: Pick<InitConfig, 'debug' | 'kernel'>): boolean {
  return !config.debug && !config.kernel.logLevelChosen;
}

/** Sets console_loglevel (the first field of /proc/sys/kernel/printk). */
export function setConsoleLogLevel(printkPath: string, level: number): void {
  writeFileSync(printkPath, `${level}\n`);
}
