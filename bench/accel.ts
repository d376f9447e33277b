// Which QEMU accelerator the benchmark boots with. "auto" takes KVM only when it can
// start a vCPU: on some hosts /dev/kvm opens but "-cpu host" aborts (kvm/run.sh probes
// the same way).
import { accessSync, constants } from 'node:fs';
import { execa } from 'execa';
import type { Accel } from '../qemu/qemu-machine.ts';

export type AccelChoice = Accel | 'auto';

export interface AccelDecision {
  accel: Accel;
  note: string;
}

export async function chooseAccel(choice: AccelChoice, qemu = 'qemu-system-x86_64'): Promise<AccelDecision> {
  if (choice !== 'auto') return { accel: choice, note: `${choice} (chosen with --accel)` };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', note: 'tcg (/dev/kvm is missing or not accessible)' };
  }
  const probe = await execa(qemu, ['-accel', 'kvm', '-cpu', 'host', '-S', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'stdio'], {
    input: 'quit\n',
    timeout: 20_000,
    reject: false,
    all: true,
  });
  if (probe.exitCode === 0 && !probe.timedOut) return { accel: 'kvm', note: 'kvm (a vCPU starts)' };
  const lines = String(probe.all ?? '')
    .split('\n')
    .map((line) => line.replace(/^\(qemu\)\s*/, '').trim())
    .filter((line) => line && !line.startsWith('QEMU'));
  // QEMU's own "error:" line says why ("failed to set MSR 0x10a"); an assertion follows it.
  const problem = lines.find((line) => /error:/.test(line)) ?? lines[0];
  return { accel: 'tcg', note: `tcg (KVM is not usable here: ${problem?.trim() ?? (probe.timedOut ? 'the probe timed out' : 'QEMU could not start a KVM vCPU')})` };
}
