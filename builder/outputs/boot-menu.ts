// The boot menu the ISO offers, as data, and its two renderings: isolinux (BIOS) and
// GRUB (UEFI). Both loaders must offer the same entries with the same command lines,
// so they are written from one list rather than kept by hand in two files.
import { OdError } from '../../contract/errors.ts';

/** Where the kernel and initrd sit inside the ISO. */
export const ISO_KERNEL_PATH = '/boot/vmlinuz';
export const ISO_INITRD_PATH = '/boot/initrd.img';
/** An empty file only this ISO has: GRUB's EFI image finds the ISO's own filesystem by
 * it (a search by label could pick another only-docker medium, e.g. a USB stick). */
export const ISO_MARKER_PATH = '/boot/only-docker.id';

/** The device the VirtualBox VM (and a usual PC) gives the first SATA disk. */
export const BLANK_DISK_DEVICE = '/dev/sda';

export interface BootEntry {
  /** A short identifier: isolinux LABEL, and what tests refer to. */
  id: string;
  /** What a person sees in the menu. */
  title: string;
  /** The kernel command line of this entry. */
  cmdline: string;
}

export interface BootMenu {
  title: string;
  /** Seconds before the first entry boots on its own. */
  timeoutSeconds: number;
  entries: BootEntry[];
}

/** The console= options of a command line moved so `tty0` comes last: the kernel makes
 * the last console= its /dev/console, which is where the init and the console container
 * talk. On a VM without a serial port (VirtualBox's default) that must be the screen. */
export function screenConsoleCmdline(cmdline: string): string {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const consoles = words.filter((w) => w.startsWith('console='));
  const others = words.filter((w) => !w.startsWith('console='));
  const serial = consoles.filter((w) => w !== 'console=tty0');
  return [...others, ...serial, 'console=tty0'].join(' ');
}

/**
 * The entries: the default command line first (the same as run.sh's, so tests and
 * people see the same system), then the opt-in formatting of a blank disk, then the
 * same system with its console on the screen.
 */
export function bootMenu(cmdline: string, version: string): BootMenu {
  const base = cmdline.trim().replace(/\s+/g, ' ');
  return {
    title: `only-docker ${version}`,
    timeoutSeconds: 5,
    entries: [
      { id: 'only-docker', title: 'only-docker', cmdline: base },
      {
        id: 'format-disk',
        title: `only-docker (prepare a blank disk ${BLANK_DISK_DEVICE} as DOCKER)`,
        cmdline: `${base} od.disk.format=${BLANK_DISK_DEVICE}`.trim(),
      },
      { id: 'screen-console', title: 'only-docker (console on the screen, no serial port)', cmdline: screenConsoleCmdline(base) },
    ],
  };
}

export class BootMenuError extends OdError {}

function checkCmdline(entry: BootEntry): void {
  // Neither loader has a quoting that survives both files; a newline would end the entry.
  if (/[\n\r"]/.test(entry.cmdline)) {
    throw new BootMenuError(`the kernel command line of "${entry.title}" contains a newline or a double quote: ${JSON.stringify(entry.cmdline)}`);
  }
}

/** isolinux.cfg: menu.c32 on the screen and, mirrored by SERIAL, on the first serial port. */
export function isolinuxConfig(menu: BootMenu): string {
  const lines = [
    '# Written by the only-docker builder.',
    'SERIAL 0 115200',
    'UI menu.c32',
    `MENU TITLE ${menu.title}`,
    `TIMEOUT ${menu.timeoutSeconds * 10}`,
    `DEFAULT ${menu.entries[0]?.id ?? 'only-docker'}`,
  ];
  for (const entry of menu.entries) {
    checkCmdline(entry);
    lines.push(
      '',
      `LABEL ${entry.id}`,
      `  MENU LABEL ${entry.title}`,
      `  LINUX ${ISO_KERNEL_PATH}`,
      `  INITRD ${ISO_INITRD_PATH}`,
      `  APPEND ${entry.cmdline}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The configuration built into the GRUB EFI image: find this ISO, then read its menu. */
export function grubEarlyConfig(): string {
  return [
    `search --no-floppy --file --set=root ${ISO_MARKER_PATH}`,
    'set prefix=($root)/boot/grub',
    'configfile ($root)/boot/grub/grub.cfg',
    '',
  ].join('\n');
}

/** /boot/grub/grub.cfg on the ISO: the same entries as isolinux. */
export function grubConfig(menu: BootMenu): string {
  const lines = [
    '# Written by the only-docker builder.',
    // The menu on the first serial port too, so a headless VM can pick an entry; a
    // machine without one (most PCs) keeps the screen alone, without an error.
    'if serial --unit=0 --speed=115200; then',
    '  terminal_input --append serial',
    '  terminal_output --append serial',
    'fi',
    `set timeout=${menu.timeoutSeconds}`,
    'set default=0',
  ];
  for (const entry of menu.entries) {
    checkCmdline(entry);
    lines.push(
      '',
      `menuentry "${entry.title}" --id ${entry.id} {`,
      `  linux ${ISO_KERNEL_PATH} ${entry.cmdline}`,
      `  initrd ${ISO_INITRD_PATH}`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}
