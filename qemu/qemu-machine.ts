// The one QEMU driver, for the VM tests (test/vm/harness) and the boot benchmark
// (bench/): boots a kernel and initrd (or firmware, or a launcher script such as a
// release's run.sh), reads the serial console into a transcript stamped with the host
// time since power-on, types on it, runs shell commands at its prompt and talks to the
// QEMU monitor. It sits apart from both so neither imports the other, and a fix to how
// the console is read reaches both.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandOutput, commandLine } from './console-command.ts';
import { SerialLog } from './serial-log.ts';
import { OdError } from '../contract/errors.ts';

export type Accel = 'kvm' | 'tcg';

export interface MachineOptions {
  kernel: string;
  initrd: string;
  accel: Accel;
  memoryMb: number;
  cpus: number;
  /** Kernel command line; the serial console is always added. */
  append?: string;
  /** Extra QEMU arguments (disks, NICs, -cdrom, -bios...). */
  qemuArgs?: readonly string[];
  /** Boot without -kernel/-initrd (from an ISO or disk given in qemuArgs). */
  firmwareBoot?: boolean;
  /** QEMU user networking with its DHCP server, unless qemuArgs bring their own NIC; on by default. */
  network?: boolean;
  /**
   * Starts this program instead of QEMU, e.g. a release's dist/kvm/run.sh, which
   * chooses QEMU's arguments itself and must exec QEMU (so stop() reaches it). Its
   * stdout is read as the serial console; the other options are ignored and the QEMU
   * monitor is not available.
   */
  launcher?: { command: string; args?: string[]; cwd?: string; env?: NodeJS.ProcessEnv };
}

export class VmTimeoutError extends OdError {}

/** QEMU's arguments: the same machine whatever boots on it, so boots compare. */
export function qemuArgs(options: MachineOptions, monitorSocket: string): string[] {
  const extra = options.qemuArgs ?? [];
  const args = [
    // TCG runs its vCPUs on one host thread: Debian's kernel under multi-threaded TCG
    // sometimes executes a stale translation of code it has just patched (a static key's
    // temporary int3) and panics, about one boot in six here (README "VM tests").
    '-accel', options.accel === 'tcg' ? 'tcg,thread=single' : 'kvm',
    ...(options.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(options.memoryMb),
    '-smp', String(options.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-vga', 'std',
    '-serial', 'stdio',
    '-monitor', `unix:${monitorSocket},server=on,wait=off`,
    // Lets the guest's reboot(2) with RESTART stop QEMU, so a reboot ends the run.
    '-no-reboot',
  ];
  if (options.network !== false && !extra.some((a) => a.startsWith('-netdev') || a === '-nic')) {
    args.push('-nic', 'user,model=virtio-net-pci');
  }
  if (!options.firmwareBoot) {
    args.push('-kernel', options.kernel, '-initrd', options.initrd, '-append', `console=ttyS0,115200 ${options.append ?? ''}`.trim());
  }
  return [...args, ...extra];
}

interface SpawnedMachine {
  child: ChildProcess;
  poweredOn: number;
  /** Scratch directory of this machine (the monitor socket), removed by stop(). */
  workDir: string;
}

/** What the kernel prints when it panics: nothing after it will answer. */
export const KERNEL_PANIC = 'Kernel panic - not syncing';

/** The panic that follows PID 1's death: the init's failure, never the kernel's. */
const INIT_DIED = `${KERNEL_PANIC}: Attempted to kill init`;

/**
 * The kernel's own fault in a transcript: its panic line and the Oops before it, when the
 * kernel panicked for any reason but the init dying. Debian's kernel under multi-threaded
 * TCG has been seen to take a stale breakpoint ("Oops: int3" in kmem_cache_free, as a
 * static key was patched while the other vCPU ran the old code) and panic with
 * "Fatal exception in interrupt": no line of ours is at fault there.
 */
export function kernelFault(transcript: string): { panic: string; oops: string | null } | undefined {
  const at = transcript.indexOf(KERNEL_PANIC);
  if (at < 0 || transcript.startsWith(INIT_DIED, at)) return undefined;
  const lineOf = (index: number) => {
    const end = transcript.indexOf('\n', index);
    return transcript.slice(index, end < 0 ? undefined : end).trim();
  };
  const oops = transcript.lastIndexOf('Oops:', at);
  return { panic: lineOf(at), oops: oops < 0 ? null : lineOf(oops) };
}

export class QemuMachine {
  /** The serial console so far, each chunk stamped with its host time since power-on. */
  readonly log = new SerialLog();
  /** Resolves with QEMU's exit code once it has ended (null when it could not start). */
  readonly exited: Promise<number | null>;
  private readonly wakers = new Set<() => void>();
  private exitCode: number | null | undefined;
  private readonly monitorSocket: string;

  private readonly child: ChildProcess;
  /** performance.now() at power-on (just before QEMU was spawned). */
  readonly poweredOn: number;
  private readonly workDir: string;

  protected constructor(spawned: SpawnedMachine) {
    ({ child: this.child, poweredOn: this.poweredOn, workDir: this.workDir } = spawned);
    const { child } = spawned;
    this.monitorSocket = join(this.workDir, 'monitor.sock');
    const onData = (chunk: Buffer) => {
      this.log.append(chunk.toString('utf8'), this.now());
      for (const wake of this.wakers) wake();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolveExit) => {
      const done = (code: number | null) => {
        this.exitCode ??= code;
        for (const wake of this.wakers) wake();
        resolveExit(this.exitCode);
      };
      child.once('exit', done);
      child.once('error', (error) => {
        this.log.append(`\n[qemu-machine] cannot run ${child.spawnfile}: ${error.message}\n`, this.now());
        done(null);
      });
    });
  }

  /** Powers on: spawns QEMU (or the launcher) with the console on its stdio. */
  static start(options: MachineOptions, qemu = 'qemu-system-x86_64'): QemuMachine {
    return new QemuMachine(QemuMachine.spawn(options, qemu));
  }

  protected static spawn(options: MachineOptions, qemu = 'qemu-system-x86_64'): SpawnedMachine {
    const workDir = mkdtempSync(join(tmpdir(), 'od-vm-'));
    const poweredOn = performance.now();
    if (options.launcher) {
      const { command, args = [], cwd, env } = options.launcher;
      return { child: spawn(command, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] }), poweredOn, workDir };
    }
    return { child: spawn(qemu, qemuArgs(options, join(workDir, 'monitor.sock')), { stdio: ['pipe', 'pipe', 'pipe'] }), poweredOn, workDir };
  }

  /** QEMU's process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The kernel panicked: the machine still runs but nothing in it will answer. */
  get kernelPanicked(): boolean {
    return this.log.text.includes(KERNEL_PANIC);
  }

  /** Why a wait ended without its condition: QEMU exited, the kernel panicked, or time ran out. */
  protected whyNot(what: string, timeoutMs: number): string {
    if (!this.running) return `QEMU exited (code ${this.exitCode}) before ${what}`;
    if (this.kernelPanicked) return `the kernel panicked before ${what}`;
    return `no ${what} within ${timeoutMs / 1000} s`;
  }

  /** The whole console transcript so far. */
  get serial(): string {
    return this.log.text;
  }

  /** Milliseconds since power-on. */
  now(): number {
    return performance.now() - this.poweredOn;
  }

  /**
   * Resolves true as soon as `condition` holds (checked on every serial chunk and every
   * second, since a condition may depend on time too), false when QEMU exits, the kernel
   * panics (a panicked machine never answers: waiting out the timeout only hides why) or
   * the timeout passes first.
   */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return true;
    const deadline = AbortSignal.timeout(Math.max(0, timeoutMs));
    return new Promise((resolveWait) => {
      const finish = (value: boolean) => {
        deadline.removeEventListener('abort', onTimeout);
        clearInterval(ticker);
        this.wakers.delete(check);
        resolveWait(value);
      };
      const check = () => {
        if (condition()) finish(true);
        else if (!this.running || this.kernelPanicked) finish(false);
      };
      const onTimeout = () => finish(condition());
      deadline.addEventListener('abort', onTimeout, { once: true });
      const ticker = setInterval(check, 1000);
      this.wakers.add(check);
      check();
    });
  }

  /** Waits until the serial output (from `from` on) matches; returns the match. */
  async waitFor(pattern: RegExp | string, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    let match: RegExpMatchArray | null = null;
    await this.until(() => (match = this.log.text.slice(from).match(regex)) !== null, timeoutMs);
    if (match) return match;
    throw new VmTimeoutError(this.whyNot(`${regex} on the console`, timeoutMs));
  }

  /** Types on the serial console. */
  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Runs a command at the console's shell prompt and returns what it printed. */
  async run(command: string, timeoutMs = 60_000): Promise<string> {
    const marker = `__od_${Math.random().toString(36).slice(2, 10)}`;
    const from = this.log.length;
    this.type(commandLine(command, marker));
    const match = await this.waitFor(new RegExp(`${marker}:(\\d+)`), timeoutMs, from).catch((cause: unknown) => {
      throw new VmTimeoutError(`"${command}" did not finish on the console within ${timeoutMs / 1000} s`, { cause });
    });
    const text = this.log.text.slice(from);
    return commandOutput(text.slice(0, text.indexOf(match[0])), marker);
  }

  /** Sends a command to the QEMU monitor (e.g. system_powerdown, sendkey ctrl-alt-delete). */
  async monitor(command: string): Promise<void> {
    await this.monitorAll([command]);
  }

  /**
   * Sends several monitor commands over one connection, gapMs apart (typing with
   * sendkey); `signal` gives up (rejects) when the monitor does not take them in time.
   */
  async monitorAll(commands: readonly string[], options: { gapMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { gapMs = 40, signal } = options;
    const socket = createConnection(this.monitorSocket);
    try {
      await once(socket, 'connect', { signal });
      // Once connected, an error is QEMU going away after a command it took (system_powerdown).
      socket.on('error', () => undefined);
      for (const command of commands) {
        await new Promise<void>((written) => socket.write(`${command}\n`, () => written()));
        await sleep(gapMs, undefined, { signal });
      }
      // The monitor keeps its side open after our end(): destroy after a moment, never wait for 'close'.
      await sleep(200, undefined, { signal });
    } finally {
      socket.destroy();
    }
  }

  /** The last lines of the console, for failure messages. */
  tail(lines = 60): string {
    return this.log.text.split(/\r?\n/).slice(-lines).join('\n');
  }

  /** Powers off (kills QEMU) and removes the machine's scratch directory. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
