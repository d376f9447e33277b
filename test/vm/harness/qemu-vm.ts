// Boots the built artifacts under QEMU and reads the serial console, for the VM tests.
// TCG is the default: there is no working KVM on the machines these tests run on.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const DIST = join(REPO_ROOT, 'dist');
export const VM_LOG_DIR = join(DIST, 'vm-logs');

export interface VmOptions {
  /** Names the serial log file kept under dist/vm-logs/. */
  name: string;
  kernel?: string;
  initrd?: string;
  /** Kernel command line; the serial console is always added. */
  append?: string;
  memoryMb?: number;
  cpus?: number;
  /** Extra QEMU arguments (disks, NICs, -cdrom, -bios...). */
  qemuArgs?: string[];
  /** Boot without -kernel/-initrd (from an ISO or disk given in qemuArgs). */
  firmwareBoot?: boolean;
  /** QEMU user networking with its DHCP server; on by default. */
  network?: boolean;
  /**
   * Starts this program instead of QEMU, e.g. a release's dist/kvm/run.sh, which
   * chooses QEMU's arguments itself and must exec QEMU (so stop() reaches it). Its
   * stdout is read as the serial console; the other options are ignored and the QEMU
   * monitor is not available.
   */
  launcher?: { command: string; args?: string[]; cwd?: string; env?: NodeJS.ProcessEnv };
}

export interface OdEvent {
  od: string;
  [key: string]: unknown;
}

export class VmTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmTimeoutError';
  }
}

export class QemuVm {
  private output = '';
  private readonly waiters = new Set<() => void>();
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;
  private readonly monitorPath: string;
  private readonly workDir: string;

  private constructor(
    readonly options: VmOptions,
    private readonly child: ChildProcess,
    workDir: string,
  ) {
    this.workDir = workDir;
    this.monitorPath = join(workDir, 'monitor.sock');
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const wake of this.waiters) wake();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolveExit) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        for (const wake of this.waiters) wake();
        resolveExit(code);
      });
    });
  }

  static boot(options: VmOptions): QemuVm {
    const workDir = mkdtempSync(join(tmpdir(), 'od-vm-'));
    if (options.launcher) {
      const { command, args = [], cwd, env } = options.launcher;
      const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
      return new QemuVm(options, child, workDir);
    }
    const args = [
      '-accel', process.env.OD_TEST_ACCEL ?? 'tcg',
      '-m', String(options.memoryMb ?? 2048),
      '-smp', String(options.cpus ?? 2),
      '-nodefaults',
      '-no-user-config',
      '-display', 'none',
      '-vga', 'std',
      '-serial', 'stdio',
      '-monitor', `unix:${join(workDir, 'monitor.sock')},server=on,wait=off`,
      // Lets the guest's reboot(2) with RESTART stop QEMU, so tests see a reboot end.
      '-no-reboot',
    ];
    if (options.network !== false && !(options.qemuArgs ?? []).some((a) => a.startsWith('-netdev') || a === '-nic')) {
      args.push('-nic', 'user,model=virtio-net-pci');
    }
    if (!options.firmwareBoot) {
      args.push(
        '-kernel', options.kernel ?? join(DIST, 'vmlinuz'),
        '-initrd', options.initrd ?? join(DIST, 'initrd.img'),
        '-append', `console=ttyS0,115200 ${options.append ?? ''}`.trim(),
      );
    }
    args.push(...(options.qemuArgs ?? []));
    const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new QemuVm(options, child, workDir);
  }

  get serial(): string {
    return this.output;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Every `{"od":...}` event line printed so far. */
  events(): OdEvent[] {
    const events: OdEvent[] = [];
    for (const line of this.output.split(/\r?\n/)) {
      const start = line.indexOf('{"od":');
      if (start < 0) continue;
      try {
        events.push(JSON.parse(line.slice(start)) as OdEvent);
      } catch {
        // a line cut by other console output: not an event
      }
    }
    return events;
  }

  /** Waits until the serial output (from `from` on) matches; returns the match. */
  async waitFor(pattern: RegExp | string, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return new Promise((resolveMatch, reject) => {
      const check = () => {
        const match = this.output.slice(from).match(regex);
        if (match) {
          done();
          resolveMatch(match);
        } else if (this.exitCode !== undefined) {
          done();
          reject(new VmTimeoutError(`QEMU exited (code ${this.exitCode}) before the console showed ${regex}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new VmTimeoutError(`no ${regex} on the console within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for an event that satisfies the predicate. */
  async waitForEvent(predicate: (event: OdEvent) => boolean, timeoutMs: number, description: string): Promise<OdEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events().find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new VmTimeoutError(`no event ${description} within ${timeoutMs / 1000} s`);
      if (this.exitCode !== undefined) throw new VmTimeoutError(`QEMU exited before the event ${description}`);
      // From the start of the last, unfinished line: an event line can arrive in two
      // chunks, and its second half has no '{"od":' of its own to wake up for.
      await this.waitFor(/\n/, Math.max(1, deadline - Date.now()), this.output.lastIndexOf('\n') + 1).catch(() => undefined);
    }
  }

  /** Types on the serial console. */
  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Runs a command at the console's shell prompt and returns what it printed. */
  async run(command: string, timeoutMs = 60_000): Promise<string> {
    const marker = `__od_${Math.random().toString(36).slice(2, 10)}`;
    const from = this.output.length;
    // The marker is split in the typed line so only the command's output contains it whole.
    this.type(`${command}; echo "${marker.slice(0, 4)}""${marker.slice(4)}:$?"\n`);
    const match = await this.waitFor(new RegExp(`${marker}:(\\d+)`), timeoutMs, from);
    const text = this.output.slice(from, from + this.output.slice(from).indexOf(match[0]));
    // The shell echoes the typed line first, wrapped at its 80 columns wherever a wrap
    // falls (as "\r\r\n"), and may draw the prompt and the line again: the output starts
    // after the last echo's end, matched with a break allowed between any two characters.
    const echoEnd = new RegExp([...`${marker.slice(4)}:$?"`].map((ch) => ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('(?:\\r*\\n)?'), 'g');
    const echo = [...text.matchAll(echoEnd)].at(-1);
    const output = echo ? text.slice(echo.index! + echo[0].length) : text.slice(text.search(/\r?\n/) + 1);
    return output.replace(/^\r*\n/, '').trim();
  }

  /** Sends a command to the QEMU monitor (e.g. system_powerdown, sendkey ctrl-alt-delete). */
  async monitor(command: string): Promise<void> {
    await new Promise<void>((resolveSent, reject) => {
      const socket = createConnection(this.monitorPath, () => {
        // The monitor keeps its side open after our end(), and a command such as
        // system_powerdown may end QEMU meanwhile: destroy after a moment, never wait for 'close'.
        socket.write(`${command}\n`, () =>
          setTimeout(() => {
            socket.destroy();
            resolveSent();
          }, 200),
        );
      });
      socket.on('error', reject);
    });
  }

  /** Sends several monitor commands over one connection, gapMs apart (typing with sendkey). */
  async monitorAll(commands: readonly string[], gapMs = 40): Promise<void> {
    await new Promise<void>((resolveSent, reject) => {
      const socket = createConnection(this.monitorPath, () => {
        let i = 0;
        const next = () => {
          if (i >= commands.length) {
            // The monitor keeps its side open after our end(): destroy, do not wait for 'close'.
            setTimeout(() => {
              socket.destroy();
              resolveSent();
            }, 200);
            return;
          }
          socket.write(`${commands[i++]}\n`, () => setTimeout(next, gapMs));
        };
        next();
      });
      socket.on('error', reject);
    });
  }

  /** The last lines of the console, for failure messages. */
  tail(lines = 60): string {
    return this.output.split(/\r?\n/).slice(-lines).join('\n');
  }

  /** Keeps the whole serial log under dist/vm-logs/<name>.log; returns its path. */
  keepLog(): string {
    mkdirSync(VM_LOG_DIR, { recursive: true });
    const path = join(VM_LOG_DIR, `${this.options.name}.log`);
    writeFileSync(path, this.output);
    return path;
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Runs a check; on failure its message carries the end of the serial console. */
export async function check(vm: QemuVm, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- last lines of the serial console ---\n${vm.tail(50)}\n---`, { cause: error });
  }
}

/**
 * Boots a VM for the body of a test; on failure the error carries the tail of the serial
 * log and the path of the whole log, which is kept. The VM is always stopped.
 */

export async function withVm<T>(options: VmOptions, body: (vm: QemuVm) => Promise<T>): Promise<T> {
  const vm = QemuVm.boot(options);
  try {
    const result = await body(vm);
    vm.keepLog();
    return result;
  } catch (err) {
    const logPath = vm.keepLog();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n--- last lines of the serial console (whole log: ${logPath}) ---\n${vm.tail()}\n---`, { cause: err });
  } finally {
    await vm.stop();
  }
}
