// The UEFI half of the ISO: a GRUB EFI program with a built-in configuration that finds
// the ISO's filesystem and reads its grub.cfg, inside a small FAT image (efiboot.img)
// that El Torito and the hybrid GPT point the firmware at.
import { stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { IsoHostFiles } from './host-files.ts';
import { grubEarlyConfig } from './boot-menu.ts';
import { OutputWriteError } from './output-errors.ts';

/** What GRUB needs to find the ISO (as CD or as disk), show a menu on screen and
 * serial, and load a Linux kernel with its initrd. Built in, so nothing is read from
 * a modules directory at boot. */
export const GRUB_EFI_MODULES = [
  'part_gpt', 'part_msdos', 'iso9660', 'fat',
  'search', 'search_fs_file', 'configfile', 'normal', 'test', 'echo', 'sleep',
  'linux', 'all_video', 'efi_gop', 'serial', 'terminal',
];

/** FAT cannot store times before 1980: a smaller SOURCE_DATE_EPOCH is raised to this
 * (1980-01-02, a day clear of any time zone), so mtools' dates stay fixed and valid. */
export const FAT_MIN_EPOCH = 315_619_200;

const MIB = 1024 * 1024;

/** The FAT image size for an EFI program: room for it and FAT's tables, whole MiB. */
export function efiImageSize(efiBytes: number): number {
  return Math.ceil((efiBytes + 512 * 1024) / MIB) * MIB;
}

function mtoolsEnv(epoch: number): Record<string, string> {
  return { SOURCE_DATE_EPOCH: String(Math.max(epoch, FAT_MIN_EPOCH)), TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' };
}

/**
 * Writes `<workDir>/BOOTX64.EFI` and `<workDir>/efiboot.img`; returns their paths.
 * Both are the same bytes for the same inputs (fixed dates and volume serial).
 */
export async function makeEfiBootImage(tools: IsoHostFiles, workDir: string, sourceDateEpoch: number): Promise<{ efi: string; image: string }> {
  const early = join(workDir, 'grub-early.cfg');
  const efi = join(workDir, 'BOOTX64.EFI');
  const image = join(workDir, 'efiboot.img');
  await writeFile(early, grubEarlyConfig());
  try {
    await execa(tools.grubMkimage, [
      '-O', 'x86_64-efi',
      '-d', tools.grubEfiModulesDir,
      '-o', efi,
      '-p', '/boot/grub',
      '-c', early,
      ...GRUB_EFI_MODULES,
    ]);
  } catch (cause) {
    throw new OutputWriteError('iso', 'grub-mkimage could not make the GRUB EFI program', { cause });
  }
  const fatEpoch = Math.max(sourceDateEpoch, FAT_MIN_EPOCH);
  // mcopy -m keeps the source's time: fix it first.
  await utimes(efi, fatEpoch, fatEpoch);
  const size = efiImageSize((await stat(efi)).size);
  await writeFile(image, Buffer.alloc(0));
  const env = mtoolsEnv(sourceDateEpoch);
  try {
    await execa('truncate', ['-s', String(size), image]);
    // -N: a fixed volume serial (it is random otherwise).
    await execa(tools.mformat, ['-i', image, '-N', '0DC0FFEE', '-v', 'ODEFI', '::'], { env });
    await execa(tools.mmd, ['-i', image, '::/EFI', '::/EFI/BOOT'], { env });
    await execa(tools.mcopy, ['-m', '-i', image, efi, '::/EFI/BOOT/BOOTX64.EFI'], { env });
  } catch (cause) {
    throw new OutputWriteError('iso', `mtools could not make the FAT image ${image}`, { cause });
  }
  return { efi, image };
}
