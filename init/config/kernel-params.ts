import type { KernelParam } from './cmdline.ts';
import type { KernelConfig } from './init-config.ts';

/**
 * The terminals the kernel's console= parameters name, in order: `console=ttyS0,115200`
 * is ttyS0, `console=tty0` (the VT in front, which at boot is the first) is tty1. With
 * no console= at all the kernel writes to the first VT and the first serial port is
 * the usual place to look, so both.
 */
export function consoleTerminals(params: readonly KernelParam[]): string[] {
  const names: string[] = [];
  for (const { key, value } of params) {
    if (key !== 'console' || value === true) continue;
    let name = value.split(',')[0]!.replace(/^\/dev\//, '');
    if (name === 'tty0' || name === 'tty') name = 'tty1';
    if (/^(tty[A-Za-z]*\d+|hvc\d+)$/.test(name) && !names.includes(name)) names.push(name);
  }
  return names.length > 0 ? names : ['ttyS0', 'tty1'];
}

/** The kernel parameters that set its console log level. */
const logLevelKeys = ['loglevel', 'quiet', 'debug', 'ignore_loglevel'];

export function kernelConfig(params: readonly KernelParam[]): KernelConfig {
  return { consoles: consoleTerminals(params), logLevelChosen: params.some(({ key }) => logLevelKeys.includes(key)) };
}
