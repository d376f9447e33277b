// The table of outputs (LinuxKit's outFuns): each turns the built kernel and initrd
// into one deliverable. The build assembles; these only write. Order matters where
// one output bundles another: the tarball takes run.sh, create-vm.sh and the ISO.
import type { OutputWriter } from './output-types.ts';
import { writeKvmScript } from './write-kvm-script.ts';
import { writeVirtualboxScript } from './write-virtualbox-script.ts';
import { writeIso } from './write-iso.ts';
import { writeTarball } from './write-tarball.ts';

export const outputs = {
  kvm: writeKvmScript,
  virtualbox: writeVirtualboxScript,
  iso: writeIso,
  tarball: writeTarball,
} satisfies Record<string, OutputWriter>;

export type OutputName = keyof typeof outputs;

/** What each CLI command writes, in order: the scripts are cheap and go with both. */
export const COMMAND_OUTPUTS: Record<'kvm' | 'iso' | 'tarball', OutputName[]> = {
  kvm: ['kvm', 'virtualbox'],
  iso: ['kvm', 'virtualbox', 'iso'],
  tarball: ['kvm', 'virtualbox', 'tarball'],
};
