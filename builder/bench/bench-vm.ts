// One QEMU boot for the benchmark: the VM tests' settings (test/vm/harness), with every
// chunk of serial output stamped with the host time since QEMU was started. Kept here
// rather than in the harness because the builder never imports test code.
import { spawn, type ChildProcess } from 'node:child_process';
import { SerialLog } from './serial-log.ts';

export type Accel = 'kvm' | 'tcg';

export interface BenchVmOptions {
  kernel: string;
  initrd: string;
  accel: Accel;
  memoryMb: number;
  cpus: number;
  /** Extra kernel command line; the serial console is always there. */
  append?: string;
}

export class VmCommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmCommandError';
  }
}

/** QEMU's arguments, as the VM tests use them: same machine for the real and the reference initrd. */
export function qemuArgs(options: BenchVmOptions): string[] {
  return [
    '-accel', options.accel,
    ...(options.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(options.memoryMb),
    '-smp', String(options.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-vga', 'std',
    '-serial', 'stdio',
    '-no-reboot',
    '-nic', 'user,model=virtio-net-pci',
    '-kernel', options.kernel,
    '-initrd', options.initrd,
    '-append', `console=ttyS0,115200 ${options.append ?? ''}`.trim(),
  ];
}

export class BenchVm {
  readonly log = new SerialLog();
  private readonly wakers = new Set<() => void>();
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** performance.now() at power-on (just before QEMU was spawned). */
    readonly poweredOn: number,
  ) {
    const onData = (chunk: Buffer) => {
      this.log.append(chunk.toString('utf8'), performance.now() - this.poweredOn);
      for (const wake of this.wakers) wake();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null) => {
        this.exitCode ??= code;
        for (const wake of this.wakers) wake();
        resolve();
      };
      child.once('exit', done);
      child.once('error', (error) => {
        this.log.append(`\n[bench] cannot run QEMU: ${error.message}\n`, performance.now() - this.poweredOn);
        done(null);
      });
    });
  }

  static boot(options: BenchVmOptions, qemu = 'qemu-system-x86_64'): BenchVm {
    const poweredOn = performance.now();
    const child = spawn(qemu, qemuArgs(options), { stdio: ['pipe', 'pipe', 'pipe'] });
    return new BenchVm(child, poweredOn);
  }

  /** QEMU's process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Milliseconds since power-on. */
  now(): number {
    return performance.now() - this.poweredOn;
  }

  /**
   * Resolves true as soon as `condition` holds (checked on every serial chunk and every
   * second), false when QEMU exits or the timeout passes first.
   */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return true;
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.wakers.delete(check);
        resolve(value);
      };
      const check = () => {
        if (condition()) finish(true);
        else if (!this.running) finish(false);
      };
      const timer = setTimeout(() => finish(condition()), Math.max(0, timeoutMs));
      // Conditions may depend on time too (a grace period after an event).
      const ticker = setInterval(check, 1000);
      this.wakers.add(check);
    });
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Runs a command at a shell prompt on the serial console; returns its output. */
  async run(command: string, timeoutMs = 60_000): Promise<string> {
    const marker = `__odb_${Math.random().toString(36).slice(2, 10)}`;
    const from = this.log.length;
    // Split in the typed line, so only the command's own output holds the marker whole.
    this.type(`${command}; echo "${marker.slice(0, 5)}""${marker.slice(5)}:$?"\n`);
    const pattern = new RegExp(`${marker}:(\\d+)`);
    const seen = await this.until(() => pattern.test(this.log.text.slice(from)), timeoutMs);
    if (!seen) throw new VmCommandError(`"${command}" did not finish on the console within ${timeoutMs / 1000} s`);
    const text = this.log.text.slice(from);
    const output = text.slice(0, text.search(pattern));
    // The first line is the echo of what was typed.
    return output.split(/\r?\n/).slice(1).join('\n').trim();
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
