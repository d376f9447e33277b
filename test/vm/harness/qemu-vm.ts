// The VM tests' view of a QEMU boot (the driver is qemu/qemu-machine.ts, shared with the
// benchmark): the built artifacts in dist/ by default, the init's event lines, and the
// serial log kept under dist/vm-logs/. TCG is the default: there is no working KVM on
// the machines these tests run on (OD_TEST_ACCEL=kvm where there is).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEventLines, type OdEventLine as OdEvent } from '../../../contract/events.ts';
import { KERNEL_PANIC, kernelFault, QemuMachine, VmTimeoutError, type Accel, type MachineOptions } from '../../../qemu/qemu-machine.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const DIST = join(REPO_ROOT, 'dist');
export const VM_LOG_DIR = join(DIST, 'vm-logs');

/** Firmware, bootloader and the kernel's own start (the initrd unpacked) under TCG. */
const KERNEL_HANDOVER_TIMEOUT_MS = 240_000;
/** The kernel ran /init, or the init printed its first line. */
const INIT_STARTED = new RegExp(`Run /init as init process|only-docker init |\\{"od":|${KERNEL_PANIC}: Attempted to kill init`);

const kernelPanicLogName = (vm: string) => `${vm}-kernel-panic`;

export interface VmOptions extends Partial<Omit<MachineOptions, 'accel'>> {
  /** Names the serial log file kept under dist/vm-logs/. */
  name: string;
}

export type { OdEventLine as OdEvent } from '../../../contract/events.ts';

export class QemuVm extends QemuMachine {
  /** Events of the transcript's complete lines, read once each. */
  private readonly parsed: OdEvent[] = [];
  private parsedTo = 0;
  private faultRecorded = false;

  private constructor(readonly options: VmOptions, spawned: ReturnType<typeof QemuMachine.spawn>) {
    super(spawned);
  }

  /**
   * Boots and returns once the kernel has handed over to the init (or the machine is
   * beyond help). A Debian kernel under TCG has been seen to panic during its own start,
   * before any line of ours ran ("Fatal exception in interrupt", two boots of about
   * fifteen in one CI run): that boot is not a test of the init, so it is logged in
   * full (dist/vm-logs/<name>-kernel-panic.log), reported on stderr and done once more.
   * A panic after the init started is never retried here: the test sees it (the init's
   * death is ours; a fault of the kernel's own is recorded by stop() for the test
   * runner, which runs the file once more). `beforeInit` runs on each boot before that wait, for what
   * must happen before the kernel starts (a boot menu's entry typed on the serial port);
   * a failure there stops the machine and carries the console's last lines.
   */
  static async bootToInit(options: VmOptions, beforeInit?: (vm: QemuVm) => Promise<void>): Promise<QemuVm> {
    for (let attempt = 1; ; attempt++) {
      const vm = QemuVm.boot(options);
      if (beforeInit) {
        try {
          await beforeInit(vm);
        } catch (error) {
          const failure = withConsoleTail(vm, error, { lines: 50, logPath: vm.keepLog() });
          await vm.stop();
          throw failure;
        }
      }
      await vm.until(() => vm.initStarted, KERNEL_HANDOVER_TIMEOUT_MS);
      if (!vm.kernelPanicked || vm.initStarted || attempt === 2) return vm;
      console.error(`warning: ${options.name}: the kernel panicked before it ran the init; booting once more (log: ${join(VM_LOG_DIR, kernelPanicLogName(options.name))}.log)\n${vm.tail(25)}`);
      await vm.stop();
    }
  }

  /** The init has run (its first line or event), or the kernel has started it. */
  get initStarted(): boolean {
    return INIT_STARTED.test(this.serial);
  }

  private static boot(options: VmOptions): QemuVm {
    const machine: MachineOptions = {
      ...options,
      accel: (process.env.OD_TEST_ACCEL ?? 'tcg') as Accel,
      memoryMb: options.memoryMb ?? 2048,
      cpus: options.cpus ?? 2,
      kernel: options.kernel ?? join(DIST, 'vmlinuz'),
      initrd: options.initrd ?? join(DIST, 'initrd.img'),
    };
    return new QemuVm(options, QemuMachine.spawn(machine));
  }

  /** Every `{"od":...}` event line printed so far. */
  events(): OdEvent[] {
    const text = this.serial;
    const complete = text.lastIndexOf('\n') + 1;
    if (complete > this.parsedTo) {
      this.parsed.push(...parseEventLines(text.slice(this.parsedTo, complete)));
      this.parsedTo = complete;
    }
    return [...this.parsed, ...parseEventLines(text.slice(complete))];
  }

  /** Waits for an event that satisfies the predicate. */
  async waitForEvent(predicate: (event: OdEvent) => boolean, timeoutMs: number, description: string): Promise<OdEvent> {
    let found: OdEvent | undefined;
    await this.until(() => (found = this.events().find(predicate)) !== undefined, timeoutMs);
    if (found) return found;
    throw new VmTimeoutError(this.whyNot(`event ${description}`, timeoutMs));
  }

  /**
   * Powers off; a machine whose kernel faulted by itself (kernelFault: not the init's
   * death) has its whole log kept as <name>-kernel-panic.log and, when the test runner
   * asked for it (OD_KERNEL_FAULTS_LOG, scripts/run-tests.mjs), a line in that file, from
   * which the runner decides to run the test file once more.
   */
  override async stop(): Promise<void> {
    if (!this.faultRecorded) this.faultRecorded = recordKernelFault(this.options.name, this.serial);
    await super.stop();
  }

  /** Keeps the whole serial log under dist/vm-logs/<name>.log; returns its path. */
  keepLog(name = this.options.name): string {
    return keepSerialLog(name, this.serial);
  }
}

/** Writes a serial log to dist/vm-logs/<name>.log; returns its path. */
export function keepSerialLog(name: string, transcript: string): string {
  mkdirSync(VM_LOG_DIR, { recursive: true });
  const path = join(VM_LOG_DIR, `${name}.log`);
  writeFileSync(path, transcript);
  return path;
}

/**
 * When the kernel of the VM `vm` faulted by itself (kernelFault: not the init's death),
 * keeps its log as <vm>-kernel-panic.log and, when the test runner asked for it
 * (OD_KERNEL_FAULTS_LOG, scripts/run-tests.mjs), adds a line to that file, from which the
 * runner decides to run the test file once more. Also for VMs that run.sh started.
 */
export function recordKernelFault(vm: string, transcript: string): boolean {
  const fault = kernelFault(transcript);
  if (!fault) return false;
  const log = keepSerialLog(kernelPanicLogName(vm), transcript);
  const record = process.env.OD_KERNEL_FAULTS_LOG;
  if (record) appendFileSync(record, `${JSON.stringify({ vm, ...fault, log })}\n`);
  return true;
}

/** The failure with the end of the serial console under it (and where the whole log is kept). */
export function withConsoleTail(vm: QemuMachine, error: unknown, options: { lines?: number; logPath?: string } = {}): Error {
  const message = error instanceof Error ? error.message : String(error);
  const where = options.logPath ? ` (whole log: ${options.logPath})` : '';
  return new Error(`${message}\n--- last lines of the serial console${where} ---\n${vm.tail(options.lines)}\n---`, { cause: error });
}

/** Runs a check; on failure its message carries the end of the serial console. */
export async function check(vm: QemuVm, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    throw withConsoleTail(vm, error, { lines: 50 });
  }
}

/**
 * Boots a VM for the body of a test; on failure the error carries the tail of the serial
 * log and the path of the whole log, which is kept. The VM is always stopped.
 */
export async function withVm<T>(options: VmOptions, body: (vm: QemuVm) => Promise<T>): Promise<T> {
  const vm = await QemuVm.bootToInit(options);
  try {
    const result = await body(vm);
    vm.keepLog();
    return result;
  } catch (err) {
    throw withConsoleTail(vm, err, { logPath: vm.keepLog() });
  } finally {
    await vm.stop();
  }
}
