import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OdError } from '../../contract/errors.ts';
import { formatIpv4Cidr, type Ipv4Cidr } from '../net/ipv4-cidr.ts';

/** The bridge named by od.bridge, set up before dockerd; startDockerd reads ctx.bridge. */
export interface BridgeState {
  name: string;
  /** True once it exists with its address and is up: dockerd gets `-b NAME`. */
  ready: boolean;
}

export interface CommandResult {
  code: number | null;
  stderr: string;
}

export type RunCommand = (file: string, args: string[]) => Promise<CommandResult>;

/** A bridge could not be created, given its address, or brought up. */
export class BridgeSetupError extends OdError {}

/** Runs a program, never throwing for a non-zero exit: the caller decides what is fine. */
export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(new BridgeSetupError(`cannot run ${file}: ${error.message}`, { cause: error }));
        return;
      }
      const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
      resolve({ code, stderr: stderr.trim() });
    });
  });

export interface EnsureBridgeOptions {
  name: string;
  address: Ipv4Cidr;
  busybox: string;
  sysClassNet: string;
  run?: RunCommand;
  debug?: (message: string) => void;
}

/**
 * The custom bridge of docker-from-scratch: the init creates the device and gives it
 * the address, and dockerd is told only `-b NAME`; dockerd then takes the bridge's
 * address as the gateway and its subnet for the containers. busybox `ip` speaks
 * netlink, so there is nothing more to ship. Idempotent: an existing bridge or an
 * address it already has are fine (a respawned init, a second call).
 */
export async function ensureBridge(options: EnsureBridgeOptions): Promise<'created' | 'existed'> {
  const run = options.run ?? runCommand;
  const cidr = formatIpv4Cidr(options.address);
  const ip = async (args: string[], acceptable?: RegExp) => {
    options.debug?.(`bridge: ${options.busybox} ip ${args.join(' ')}`);
    const result = await run(options.busybox, ['ip', ...args]);
    if (result.code === 0 || (acceptable && acceptable.test(result.stderr))) return;
    throw new BridgeSetupError(
      `ip ${args.join(' ')} failed (${result.code === null ? 'killed' : `exit ${result.code}`})${result.stderr ? `: ${result.stderr}` : ''}`,
    );
  };
  const existed = existsSync(join(options.sysClassNet, options.name));
  if (existed) {
    if (!existsSync(join(options.sysClassNet, options.name, 'bridge'))) {
      throw new BridgeSetupError(`${options.name} exists and is not a bridge`);
    }
  } else {
    await ip(['link', 'add', options.name, 'type', 'bridge']);
  }
  await ip(['addr', 'add', cidr, 'dev', options.name], /File exists/);
  await ip(['link', 'set', options.name, 'up']);
  return existed ? 'existed' : 'created';
}
