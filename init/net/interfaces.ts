import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OdError } from '../../contract/errors.ts';

export class InterfaceMissingError extends OdError {
  constructor(message: string) {
    super(message);
  }
}

/** The first interface backed by a device (a NIC): not lo, bridges or veths, which have no `device` link. */
export function firstDeviceInterface(sysClassNet: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(sysClassNet).sort();
  } catch {
    return undefined;
  }
  return names.find((name) => name !== 'lo' && existsSync(join(sysClassNet, name, 'device')));
}

/**
 * Waits for the interface to appear in sysfs (the NIC driver may still be probing);
 * `auto` waits for the first NIC. Resolves with the interface's name.
 */
export async function waitForInterface(sysClassNet: string, name: string, timeoutMs: number, intervalMs = 100): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = name === 'auto' ? firstDeviceInterface(sysClassNet) : existsSync(join(sysClassNet, name)) ? name : undefined;
    if (found) return found;
    if (performance.now() + intervalMs > deadline) {
      throw new InterfaceMissingError(
        name === 'auto' ? `no network interface within ${timeoutMs / 1000} s` : `no interface ${name} within ${timeoutMs / 1000} s`,
      );
    }
    await sleep(intervalMs);
  }
}
