import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenizeCmdline } from '../config/cmdline.ts';
import type { RunEnd } from './respawner.ts';

/** A terminal could not be opened (no such device, no UART behind ttyS1...). */
export class TerminalUnavailableError extends Error {
  readonly device: string;

  constructor(device: string, options: { cause?: unknown; reason?: string }) {
    super(`${device}: ${options.reason ?? (options.cause as Error | undefined)?.message ?? 'unavailable'}`, options);
    this.name = 'TerminalUnavailableError';
    this.device = device;
  }
}

/**
 * The terminals the kernel's console= parameters name, in order: `console=ttyS0,115200`
 * is ttyS0, `console=tty0` (the VT in front, which at boot is the first) is tty1. With
 * no console= at all the kernel writes to the first VT and the first serial port is
 * the usual place to look, so both.
 */
export function terminalsFromCmdline(cmdline: string): string[] {
  const names: string[] = [];
  for (const { key, value } of tokenizeCmdline(cmdline)) {
    if (key !== 'console' || value === true) continue;
    let name = value.split(',')[0]!.replace(/^\/dev\//, '');
    if (name === 'tty0' || name === 'tty') name = 'tty1';
    if (/^(tty[A-Za-z]*\d+|hvc\d+)$/.test(name) && !names.includes(name)) names.push(name);
  }
  return names.length > 0 ? names : ['ttyS0', 'tty1'];
}

/**
 * Opens and closes the terminal to see that it can be used: a missing node, or a
 * serial port with no UART behind it (open says EIO), is not. O_NONBLOCK so a port
 * waiting for carrier does not hang PID 1; O_NOCTTY so the init never acquires it.
 */
export function probeTerminal(devDir: string, name: string, sysClassTty = '/sys/class/tty'): void {
  const device = join(devDir, name);
  // The 8250 driver registers ttyS0-3 whether or not a UART answers (VirtualBox has
  // none by default), and opening such a port may still succeed: its sysfs type says.
  if (/^ttyS\d+$/.test(name)) {
    let type: string | undefined;
    try {
      type = readFileSync(join(sysClassTty, name, 'type'), 'utf8').trim();
    } catch {
      // no sysfs (tests) or an older kernel: the open below decides
    }
    if (type === '0') throw new TerminalUnavailableError(device, { reason: 'no serial port behind it (no UART found)' });
  }
  let isCharDevice: boolean;
  try {
    isCharDevice = statSync(device).isCharacterDevice();
  } catch (cause) {
    throw new TerminalUnavailableError(device, { cause, reason: 'no such device' });
  }
  if (!isCharDevice) throw new TerminalUnavailableError(device, { reason: 'not a character device' });
  let fd: number;
  try {
    fd = openSync(device, fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
  } catch (cause) {
    throw new TerminalUnavailableError(device, { cause });
  }
  closeSync(fd);
}

/**
 * How the program gets the terminal as its controlling tty. Both start a new session
 * and make the terminal its controlling tty, which is what gives a shell job control
 * and Ctrl-C:
 * - `setsid`: busybox `setsid -c` (TIOCSCTTY on stdin, taking the terminal from a
 *   session that died holding it), for a named terminal (ttyS0, tty1, tty2). The child
 *   is not `detached`: busybox setsid forks when it is already a session leader, and
 *   the pid we track would exit at once.
 * - `cttyhack`: busybox `cttyhack` in a `detached` child, for /dev/console, which
 *   cannot be a controlling tty: cttyhack finds the real terminal behind it.
 */
export type ControllingTty = 'setsid' | 'cttyhack';

export interface TerminalProgram {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Without busybox the program runs in a new session with no controlling tty. */
  busybox?: string;
  ctty: ControllingTty;
}

/** Starts the program with the open terminal `fd` as stdin, stdout and stderr. */
export function spawnWithTerminal(fd: number, program: TerminalProgram): ChildProcess {
  const { busybox, ctty } = program;
  const [file, args, detached] = !busybox
    ? [program.file, program.args, true]
    : ctty === 'cttyhack'
      ? [busybox, ['cttyhack', program.file, ...program.args], true]
      : [busybox, ['setsid', '-c', program.file, ...program.args], false];
  return spawn(file, args, {
    detached,
    stdio: [fd, fd, fd],
    env: program.env,
    ...(program.cwd ? { cwd: program.cwd } : {}),
  });
}

export interface TerminalCommand {
  /** e.g. /dev/ttyS0 */
  device: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** busybox, whose `setsid -c` makes the terminal the controlling tty of a new session. */
  busybox: string;
  /** Written to the terminal before the command starts. */
  banner?: string;
}

export interface TerminalChild {
  child: ChildProcess;
  ended: Promise<RunEnd>;
}

/**
 * Runs a command on a named terminal, as its controlling tty (`setsid`, above). The
 * open is asynchronous (libuv's thread pool) so a serial port that waits for carrier
 * blocks a worker thread, not PID 1's event loop.
 */
export async function spawnOnTerminal(command: TerminalCommand): Promise<TerminalChild> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(command.device, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  } catch (cause) {
    throw new TerminalUnavailableError(command.device, { cause });
  }
  try {
    if (command.banner) await handle.write(command.banner.replace(/\r?\n/g, '\r\n'));
    const child = spawnWithTerminal(handle.fd, {
      file: command.file,
      args: command.args,
      env: command.env,
      busybox: command.busybox,
      ctty: 'setsid',
      ...(command.cwd ? { cwd: command.cwd } : {}),
    });
    const ended = new Promise<RunEnd>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    return { child, ended };
  } finally {
    // The child has its own copies of the descriptor.
    await handle.close();
  }
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after graceMs. */
export async function endChild(child: ChildProcess, ended: Promise<unknown>, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await ended;
  } catch {
    // an error event: nothing left to end
  } finally {
    clearTimeout(timer);
  }
}
