// What a person can ask PID 1 for, and how each request reaches it.

import type { ShutdownAction } from '../../contract/events.ts';

export type { ShutdownAction };

/** reboot(2) commands (<linux/reboot.h>); glibc's reboot() adds the magic numbers. */
export const LINUX_REBOOT_CMD_RESTART = 0x01234567;
export const LINUX_REBOOT_CMD_HALT = 0xcdef0123;
export const LINUX_REBOOT_CMD_POWER_OFF = 0x4321fedc;
/** Ctrl-Alt-Del sends SIGINT to PID 1 instead of restarting the machine at once. */
export const LINUX_REBOOT_CMD_CAD_OFF = 0;

export function rebootCommand(action: ShutdownAction): number {
  switch (action) {
    case 'poweroff':
      return LINUX_REBOOT_CMD_POWER_OFF;
    case 'reboot':
      return LINUX_REBOOT_CMD_RESTART;
    case 'halt':
      return LINUX_REBOOT_CMD_HALT;
  }
}

/**
 * Signals to PID 1 and what they ask for. busybox's poweroff, reboot and halt (in the
 * console, which shares the host's pid namespace) send SIGUSR2, SIGTERM and SIGUSR1 to
 * PID 1, as they do to busybox init; the kernel sends SIGINT on Ctrl-Alt-Del once
 * CAD_OFF is set. SIGPWR is what a UPS daemon or sysvinit's powerfail sends.
 */
export const signalActions: Readonly<Partial<Record<NodeJS.Signals, ShutdownAction>>> = {
  SIGUSR2: 'poweroff',
  SIGTERM: 'reboot',
  SIGUSR1: 'halt',
  SIGINT: 'reboot',
  SIGPWR: 'poweroff',
};

/** Who asked, for the console and the events: the program that sends each signal. */
export const signalSources: Readonly<Partial<Record<NodeJS.Signals, string>>> = {
  SIGUSR2: 'poweroff (SIGUSR2)',
  SIGTERM: 'reboot (SIGTERM)',
  SIGUSR1: 'halt (SIGUSR1)',
  SIGINT: 'Ctrl-Alt-Del (SIGINT)',
  SIGPWR: 'power failure (SIGPWR)',
};

export interface ShutdownRequest {
  action: ShutdownAction;
  /** "poweroff (SIGUSR2)", "power button", "Ctrl-Alt-Del (SIGINT)". */
  source: string;
}
