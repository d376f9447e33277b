// The `iso` output: dist/only-docker.iso, one hybrid image that boots as a CD and as a
// USB stick or raw disk, on BIOS (isolinux) and UEFI (GRUB), with the same kernel,
// initrd and command lines as run.sh.
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { OutputInputs, OutputResult } from './output-types.ts';
import { OutputWriteError } from './output-errors.ts';
import { requireArtifacts } from './artifacts.ts';
import { isUpToDate, writeStamp } from './up-to-date.ts';
import { isoHostFiles, type IsoHostFiles } from './host-files.ts';
import { makeEfiBootImage } from './efi-boot-image.ts';
import { bootMenu, grubConfig, isolinuxConfig, ISO_INITRD_PATH, ISO_KERNEL_PATH, ISO_MARKER_PATH } from './boot-menu.ts';

export const ISO_NAME = 'only-docker.iso';
export const ISO_VOLUME_ID = 'ONLY_DOCKER';

export function isoPath(outDir: string): string {
  return join(outDir, ISO_NAME);
}

/** Lays out everything but the kernel and initrd (grafted from outDir, not copied). */
async function stageBootFiles(tools: IsoHostFiles, inputs: OutputInputs, stage: string, work: string): Promise<void> {
  const menu = bootMenu(inputs.cmdline, inputs.version);
  await mkdir(join(stage, 'isolinux'), { recursive: true });
  await mkdir(join(stage, 'boot', 'grub'), { recursive: true });
  await mkdir(join(stage, 'EFI', 'BOOT'), { recursive: true });
  await copyFile(tools.isolinuxBin, join(stage, 'isolinux', 'isolinux.bin'));
  for (const module of tools.syslinuxModules) await copyFile(module, join(stage, 'isolinux', basename(module)));
  await writeFile(join(stage, 'isolinux', 'isolinux.cfg'), isolinuxConfig(menu));
  await writeFile(join(stage, 'boot', 'grub', 'grub.cfg'), grubConfig(menu));
  await writeFile(join(stage, ISO_MARKER_PATH), `only-docker ${inputs.version}\n`);
  const efi = await makeEfiBootImage(tools, work, inputs.sourceDateEpoch);
  await copyFile(efi.image, join(stage, 'boot', 'grub', 'efiboot.img'));
  // Also as a plain file: firmware that reads the ISO's files finds the loader there.
  await copyFile(efi.efi, join(stage, 'EFI', 'BOOT', 'BOOTX64.EFI'));
}

/** The xorriso (mkisofs dialect) arguments; the layout is fixed here, in one place. */
export function xorrisoArgs(options: { stage: string; vmlinuz: string; initrd: string; mbr: string; output: string; version: string; sourceDateEpoch: number }): string[] {
  return [
    // Every file and directory gets the fixed time (SOURCE_DATE_EPOCH alone keeps mtimes).
    '-volume_date', 'all_file_dates', `=${options.sourceDateEpoch}`,
    '-as', 'mkisofs',
    '-quiet',
    '-iso-level', '3',
    '-full-iso9660-filenames',
    '-rational-rock',
    '-joliet',
    '-volid', ISO_VOLUME_ID,
    '-appid', `only-docker ${options.version}`,
    // BIOS: isolinux from El Torito (CD), and the isohybrid MBR (USB stick, raw disk).
    '-eltorito-boot', 'isolinux/isolinux.bin',
    '-eltorito-catalog', 'isolinux/boot.cat',
    '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
    '-isohybrid-mbr', options.mbr,
    // UEFI: the FAT image as a second El Torito entry and as a GPT partition.
    '-eltorito-alt-boot',
    '-e', 'boot/grub/efiboot.img', '-no-emul-boot',
    '-isohybrid-gpt-basdat',
    '-output', options.output,
    '-graft-points',
    `${ISO_KERNEL_PATH}=${options.vmlinuz}`,
    `${ISO_INITRD_PATH}=${options.initrd}`,
    `/=${options.stage}`,
  ];
}

export async function writeIso(inputs: OutputInputs): Promise<OutputResult> {
  await requireArtifacts(inputs);
  const output = isoPath(inputs.outDir);
  const freshness = {
    output,
    inputs: [inputs.vmlinuz, inputs.initrd],
    parameters: { cmdline: inputs.cmdline, version: inputs.version, sourceDateEpoch: inputs.sourceDateEpoch, layout: 2 },
  };
  if (!inputs.force && (await isUpToDate(freshness))) {
    return { path: output, skipped: true, bytes: (await stat(output)).size };
  }
  const tools = isoHostFiles();
  const work = await mkdtemp(join(tmpdir(), 'od-iso-'));
  const stage = join(work, 'stage');
  const partial = `${output}.partial`;
  try {
    await stageBootFiles(tools, inputs, stage, work);
    const epoch = inputs.sourceDateEpoch;
    // SOURCE_DATE_EPOCH makes xorriso fix the volume dates, the volume UUID and the GPT
    // GUIDs; with the file dates fixed too, the same inputs give the same ISO bytes.
    await rm(partial, { force: true });
    try {
      await execa(
        tools.xorriso,
        xorrisoArgs({ stage, vmlinuz: inputs.vmlinuz, initrd: inputs.initrd, mbr: tools.isohybridMbr, output: partial, version: inputs.version, sourceDateEpoch: epoch }),
        { env: { SOURCE_DATE_EPOCH: String(epoch) } },
      );
    } catch (cause) {
      throw new OutputWriteError('iso', `xorriso could not write ${output}`, { cause });
    }
    await rename(partial, output);
    await writeStamp(freshness);
    return { path: output, skipped: false, bytes: (await stat(output)).size };
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}
