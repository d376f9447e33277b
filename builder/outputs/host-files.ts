// Files of host packages the ISO is made of (boot loaders, MBR code). A missing one is
// reported like a missing program: with the Debian package that brings it.
import { accessSync, constants } from 'node:fs';
import { HostToolMissingError, requireHostTool } from '../sources/host-tools.ts';

export function requireHostFile(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch (cause) {
    throw new HostToolMissingError(path, debianPackage, { cause });
  }
  return path;
}

/** The boot loader files of the ISO, from Debian's isolinux, syslinux-common and grub packages. */
export interface IsoHostFiles {
  isolinuxBin: string;
  isohybridMbr: string;
  /** isolinux's core loads ldlinux.c32; menu.c32 and its libraries draw the menu. */
  syslinuxModules: string[];
  grubEfiModulesDir: string;
  grubMkimage: string;
  xorriso: string;
  mformat: string;
  mmd: string;
  mcopy: string;
}

const SYSLINUX_MODULES = '/usr/lib/syslinux/modules/bios';

export function isoHostFiles(): IsoHostFiles {
  return {
    isolinuxBin: requireHostFile('/usr/lib/ISOLINUX/isolinux.bin', 'isolinux'),
    isohybridMbr: requireHostFile('/usr/lib/ISOLINUX/isohdpfx.bin', 'isolinux'),
    syslinuxModules: ['ldlinux.c32', 'menu.c32', 'libutil.c32', 'libcom32.c32'].map((name) =>
      requireHostFile(`${SYSLINUX_MODULES}/${name}`, 'syslinux-common'),
    ),
    grubEfiModulesDir: requireHostFile('/usr/lib/grub/x86_64-efi/linux.mod', 'grub-efi-amd64-bin').replace(/\/linux\.mod$/, ''),
    grubMkimage: requireHostTool('grub-mkimage', 'grub-common'),
    xorriso: requireHostTool('xorriso', 'xorriso'),
    mformat: requireHostTool('mformat', 'mtools'),
    mmd: requireHostTool('mmd', 'mtools'),
    mcopy: requireHostTool('mcopy', 'mtools'),
  };
}
