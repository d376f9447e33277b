import type { BootConsole } from '../console.ts';
import { describeError } from '../../contract/errors.ts';
import type { Sys } from '../sys/sys.ts';
import { LINUX_REBOOT_CMD_CAD_OFF, signalActions, signalSources, type ShutdownRequest } from './actions.ts';
import { PowerButtonWatcher } from './power-button.ts';

export interface ShutdownRequests {
  powerButton: PowerButtonWatcher;
}

/**
 * Every way a person asks for a shutdown ends in `request`: busybox poweroff/reboot/halt
 * (signals to PID 1), Ctrl-Alt-Del (SIGINT, once the kernel is told not to reboot on
 * its own), the power button (KEY_POWER on an input device).
 */
export function listenForShutdownRequests(options: {
  console: BootConsole;
  sys: Sys;
  request(request: ShutdownRequest): void;
  powerButton?: PowerButtonWatcher;
}): ShutdownRequests {
  const { console: out, sys, request } = options;
  for (const [signal, action] of Object.entries(signalActions) as [NodeJS.Signals, NonNullable<(typeof signalActions)[NodeJS.Signals]>][]) {
    // A listener also replaces the default action: without one, Node would exit on
    // SIGTERM/SIGINT, and an exit of PID 1 is a kernel panic.
    process.on(signal, () => request({ action, source: signalSources[signal] ?? signal }));
  }
  try {
    // Without this, Ctrl-Alt-Del restarts the machine at once, with nothing synced.
    sys.reboot(LINUX_REBOOT_CMD_CAD_OFF);
  } catch (error) {
    out.warn(`Ctrl-Alt-Del will reset the machine without a clean shutdown: ${describeError(error)}`);
  }
  const powerButton =
    options.powerButton ??
    new PowerButtonWatcher({
      onPress: (device) => request({ action: 'poweroff', source: `power button (${device})` }),
      log: (m) => out.debug(m),
    });
  powerButton.start();
  return { powerButton };
}
