// One iptables for dockerd, matching the host: the container shares the host's kernel
// tables, and rules written through nf_tables and through the legacy x_tables interface
// must never be mixed (packets would meet both). nf_tables when the kernel has it, as on
// only-docker's own kernel; legacy where it does not (older hosts), as docker:dind picks.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export type IptablesBackend = 'nft' | 'legacy';

export const multiBinaries: Record<IptablesBackend, string> = {
  nft: '/usr/sbin/xtables-nft-multi',
  legacy: '/usr/sbin/xtables-legacy-multi',
};

/** The commands dockerd runs, linked to the chosen multi-call binary. */
export const iptablesCommands = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'];

/** Does `<multi> iptables -nL` work, i.e. can this backend read the kernel's tables? */
export type BackendProbe = (backend: IptablesBackend) => boolean;

export const probeBackend: BackendProbe = (backend) =>
  spawnSync(multiBinaries[backend], ['iptables', '-n', '-L'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

export interface BackendChoice {
  backend: IptablesBackend;
  why: string;
}

export function chooseBackend(wanted: 'nft' | 'legacy' | 'detect', probe: BackendProbe = probeBackend): BackendChoice {
  if (wanted !== 'detect') return { backend: wanted, why: `DOCKER_IPTABLES_LEGACY asks for ${wanted}` };
  if (probe('nft')) return { backend: 'nft', why: 'the kernel has nf_tables' };
  if (probe('legacy')) return { backend: 'legacy', why: 'nf_tables does not answer and legacy iptables does' };
  return { backend: 'nft', why: 'neither nf_tables nor legacy iptables answers; dockerd may fail to set up its rules' };
}

/**
 * Links the commands in `binDir` (first on dockerd's PATH) to the backend's binary, so
 * the image's own defaults in /usr/sbin are left as they are.
 */
export function linkBackend(backend: IptablesBackend, binDir = '/usr/local/sbin'): void {
  mkdirSync(binDir, { recursive: true });
  for (const command of iptablesCommands) {
    const path = join(binDir, command);
    rmSync(path, { force: true });
    symlinkSync(multiBinaries[backend], path);
  }
}
