// What the figures were measured on, for the report's heading.
import { cpus, release, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { MachineInfo } from './bench-report.ts';

export async function machineInfo(qemu = 'qemu-system-x86_64'): Promise<MachineInfo> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'unknown OS';
  const qemuVersion = await execa(qemu, ['--version'], { reject: false });
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: pretty,
    kernel: release(),
    qemu: /QEMU emulator version (\S+)/.exec(String(qemuVersion.stdout))?.[0] ?? 'QEMU (version unknown)',
  };
}
