import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEnd } from './life.ts';
import { OdError } from '../../contract/errors.ts';

/** A terminal could not be opened (no such device, no UART behind ttyS1...). */
export class TerminalUnavailableError extends OdError {
  readonly device: string;

  constructor(device: string, options: { cause?: unknown; reason?: string }) {
    super(`${device}: ${options.reason ?? (options.cause as Error | undefined)?.message ?? 'unavailable'}`, options);
    this.device = device;
  }
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

/**
 * The terminal child's end, ending it when `signal` aborts (a respawner stopping), also
 * when it aborted before the child was there.
 */
export async function untilEnded(terminal: TerminalChild, signal: AbortSignal): Promise<RunEnd> {
  const onAbort = () => void endChild(terminal.child, terminal.ended);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    return await terminal.ended;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after graceMs. Resolves with its end. */
export async function endChild<T>(child: ChildProcess, ended: Promise<T>, graceMs = 3000): Promise<T | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return ended.catch(() => undefined);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await ended;
  } catch {
    return undefined; // an error event: nothing left to end
  } finally {
    clearTimeout(timer);
  }
}
