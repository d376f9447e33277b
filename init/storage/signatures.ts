// What is on a disk, read from its first bytes: the ext2/3/4 superblock (for the DOCKER
// label) and the signatures of the other things a disk may hold. The init reads them
// itself instead of shipping blkid: a few fixed offsets are all it needs, and the same
// reading decides whether a disk is blank enough to format.

/** The ext2/3/4 superblock starts 1024 bytes into the device and is 1024 bytes long. */
export const EXT_SUPERBLOCK_OFFSET = 1024;
export const EXT_SUPERBLOCK_SIZE = 1024;
const EXT_MAGIC = 0xef53;
const EXT_MAGIC_AT = 56;
const EXT_STATE_AT = 58;
const EXT_FEATURE_COMPAT_AT = 92;
const EXT_FEATURE_INCOMPAT_AT = 96;
const EXT_UUID_AT = 104;
const EXT_LABEL_AT = 120;
const EXT_LABEL_SIZE = 16;

const COMPAT_HAS_JOURNAL = 0x4;
const INCOMPAT_RECOVER = 0x4;
const INCOMPAT_EXTENTS = 0x40;
const INCOMPAT_64BIT = 0x80;
const INCOMPAT_FLEX_BG = 0x200;
const STATE_ERRORS = 0x2;

export interface ExtSuperblock {
  /** ext2 (no journal), ext3 (journal), ext4 (extents, 64bit or flex_bg). */
  type: 'ext2' | 'ext3' | 'ext4';
  /** s_volume_name: up to 16 bytes, NUL-padded; '' when there is none. */
  label: string;
  uuid: string;
  /** The journal holds transactions not yet written back: the last unmount was not clean. */
  needsRecovery: boolean;
  /** The kernel found errors in it (s_state has EXT2_ERROR_FS). */
  hasErrors: boolean;
}

/**
 * Parses the 1024 bytes of an ext2/3/4 superblock (the bytes at 1024..2047 of the
 * device); undefined when the magic is not there.
 */
export function parseExtSuperblock(block: Buffer): ExtSuperblock | undefined {
  if (block.length < EXT_LABEL_AT + EXT_LABEL_SIZE) return undefined;
  if (block.readUInt16LE(EXT_MAGIC_AT) !== EXT_MAGIC) return undefined;
  const compat = block.readUInt32LE(EXT_FEATURE_COMPAT_AT);
  const incompat = block.readUInt32LE(EXT_FEATURE_INCOMPAT_AT);
  const rawLabel = block.subarray(EXT_LABEL_AT, EXT_LABEL_AT + EXT_LABEL_SIZE);
  const end = rawLabel.indexOf(0);
  const label = rawLabel.subarray(0, end < 0 ? rawLabel.length : end).toString('utf8');
  const type =
    incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG) ? 'ext4' : compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
  return {
    type,
    label,
    uuid: formatUuid(block.subarray(EXT_UUID_AT, EXT_UUID_AT + 16)),
    needsRecovery: (incompat & INCOMPAT_RECOVER) !== 0,
    hasErrors: (block.readUInt16LE(EXT_STATE_AT) & STATE_ERRORS) !== 0,
  };
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The ext superblock of a device, given the device's first 2048 (or more) bytes. */
export function extSuperblockOf(head: Buffer): ExtSuperblock | undefined {
  if (head.length < EXT_SUPERBLOCK_OFFSET + EXT_SUPERBLOCK_SIZE) return undefined;
  return parseExtSuperblock(head.subarray(EXT_SUPERBLOCK_OFFSET, EXT_SUPERBLOCK_OFFSET + EXT_SUPERBLOCK_SIZE));
}

const ascii = (text: string) => Buffer.from(text, 'latin1');

/** 0x55AA: the last two bytes of an MBR, and of FAT and NTFS boot sectors. */
const MBR_SIGNATURE_AT = 510;

// FAT (12/16/32) boot sector: the BIOS parameter block, then an extended block whose
// place depends on the FAT size. Only an extended boot signature of 0x29 says a volume
// label follows (0x28, of old DOS, ends before it).
const FAT_BOOT_SECTOR_SIZE = 512;
const FAT_OEM_AT = 3;
const FAT_BYTES_PER_SECTOR_AT = 0x0b;
const FAT_SECTORS_PER_CLUSTER_AT = 0x0d;
const FAT_RESERVED_SECTORS_AT = 0x0e;
const FAT_COUNT_AT = 0x10;
const FAT16_SECTORS_PER_FAT_AT = 0x16;
const FAT32_SECTORS_PER_FAT_AT = 0x24;
const FAT16_EXTENDED_SIGNATURE_AT = 0x26;
const FAT16_LABEL_AT = 0x2b;
const FAT32_EXTENDED_SIGNATURE_AT = 0x42;
const FAT32_LABEL_AT = 0x47;
const FAT_EXTENDED_SIGNATURE = 0x29;
const FAT_LABEL_SIZE = 11;
/** What mkfs.vfat and DOS write when there is no label. */
const FAT_NO_LABEL = 'NO NAME';

// ISO 9660: 32 KiB of system area, then volume descriptors of one 2048-byte sector each;
// the primary one (type 1) is the first.
export const ISO_PRIMARY_DESCRIPTOR_OFFSET = 16 * 2048;
const ISO_DESCRIPTOR_SIZE = 2048;
const ISO_PRIMARY_TYPE = 1;
const ISO_STANDARD_ID = ascii('CD001');
const ISO_VOLUME_ID_AT = 40;
const ISO_VOLUME_ID_SIZE = 32;

/** How many bytes from the start of a device fatVolumeOf and isoVolumeOf need. */
export const VOLUME_PROBE_BYTES = ISO_PRIMARY_DESCRIPTOR_OFFSET + ISO_DESCRIPTOR_SIZE;

/** A filesystem found by its label, with the type mount(2) wants for it. */
export interface LabelledVolume {
  fstype: 'vfat' | 'iso9660';
  /** Trailing spaces (and NULs) removed; '' when there is none. */
  label: string;
}

/** A padded fixed-size text field, as FAT and ISO 9660 store names (latin1: one byte, one character). */
function paddedText(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[ \0]+$/, '');
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * The FAT volume in a device's first sector: its BIOS parameter block must be sane
 * (sector size, cluster size, reserved sectors, FAT count), as libblkid checks, since
 * 0x55AA alone also ends an MBR or an NTFS boot sector.
 */
export function fatVolumeOf(head: Buffer): (LabelledVolume & { fat32: boolean }) | undefined {
  if (head.length < FAT_BOOT_SECTOR_SIZE) return undefined;
  if (head[MBR_SIGNATURE_AT] !== 0x55 || head[MBR_SIGNATURE_AT + 1] !== 0xaa) return undefined;
  const oem = head.subarray(FAT_OEM_AT, FAT_OEM_AT + 8).toString('latin1');
  if (oem === 'NTFS    ' || oem === 'EXFAT   ') return undefined;
  const bytesPerSector = head.readUInt16LE(FAT_BYTES_PER_SECTOR_AT);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) return undefined;
  if (!isPowerOfTwo(head[FAT_SECTORS_PER_CLUSTER_AT]!)) return undefined;
  if (head.readUInt16LE(FAT_RESERVED_SECTORS_AT) === 0) return undefined;
  const fats = head[FAT_COUNT_AT]!;
  if (fats < 1 || fats > 2) return undefined;
  // FAT32 keeps its FAT size in a 32-bit field and leaves the 16-bit one zero.
  const fat32 = head.readUInt16LE(FAT16_SECTORS_PER_FAT_AT) === 0;
  if (fat32 && head.readUInt32LE(FAT32_SECTORS_PER_FAT_AT) === 0) return undefined;
  const signatureAt = fat32 ? FAT32_EXTENDED_SIGNATURE_AT : FAT16_EXTENDED_SIGNATURE_AT;
  const labelAt = fat32 ? FAT32_LABEL_AT : FAT16_LABEL_AT;
  let label = '';
  if (head[signatureAt] === FAT_EXTENDED_SIGNATURE) {
    label = paddedText(head.subarray(labelAt, labelAt + FAT_LABEL_SIZE));
    if (label === FAT_NO_LABEL) label = '';
  }
  return { fstype: 'vfat', label, fat32 };
}

/** The ISO 9660 volume identifier, from the primary volume descriptor at 32 KiB. */
export function isoVolumeOf(head: Buffer): LabelledVolume | undefined {
  const descriptor = head.subarray(ISO_PRIMARY_DESCRIPTOR_OFFSET, ISO_PRIMARY_DESCRIPTOR_OFFSET + ISO_DESCRIPTOR_SIZE);
  if (descriptor.length < ISO_VOLUME_ID_AT + ISO_VOLUME_ID_SIZE) return undefined;
  if (descriptor[0] !== ISO_PRIMARY_TYPE || !descriptor.subarray(1, 6).equals(ISO_STANDARD_ID)) return undefined;
  return { fstype: 'iso9660', label: paddedText(descriptor.subarray(ISO_VOLUME_ID_AT, ISO_VOLUME_ID_AT + ISO_VOLUME_ID_SIZE)) };
}

/**
 * A FAT or ISO 9660 filesystem and its label, from a device's first VOLUME_PROBE_BYTES.
 * ISO 9660 first: a hybrid ISO (isohybrid) starts with an MBR, and its volume is the ISO.
 */
export function labelledVolumeOf(head: Buffer): LabelledVolume | undefined {
  const volume = isoVolumeOf(head) ?? fatVolumeOf(head);
  return volume && { fstype: volume.fstype, label: volume.label };
}

interface Magic {
  what: string;
  offset: number;
  bytes: Buffer;
  /** Said already, with the label, when this filesystem was recognised by labelledVolumeOf. */
  labelled?: LabelledVolume['fstype'];
}


// Offsets as util-linux's libblkid has them, for what a PC disk is likely to hold. This
// is for the refusal message and belt and braces: a disk is only formatted when its
// whole first MiB (and last MiB) is zero anyway.
const magics: readonly Magic[] = [
  { what: 'a GPT partition table', offset: 512, bytes: ascii('EFI PART') },
  { what: 'a GPT partition table (4K sectors)', offset: 4096, bytes: ascii('EFI PART') },
  { what: 'an XFS filesystem', offset: 0, bytes: ascii('XFSB') },
  { what: 'a btrfs filesystem', offset: 65536 + 64, bytes: ascii('_BHRfS_M') },
  { what: 'swap space', offset: 4096 - 10, bytes: ascii('SWAPSPACE2') },
  { what: 'swap space', offset: 4096 - 10, bytes: ascii('SWAP-SPACE') },
  { what: 'an ISO 9660 filesystem', offset: ISO_PRIMARY_DESCRIPTOR_OFFSET + 1, bytes: ISO_STANDARD_ID, labelled: 'iso9660' },
  { what: 'an LVM physical volume', offset: 512 + 0, bytes: ascii('LABELONE') },
  { what: 'a LUKS encrypted volume', offset: 0, bytes: Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]) },
  { what: 'an NTFS filesystem', offset: 3, bytes: ascii('NTFS    ') },
  { what: 'a FAT filesystem', offset: 54, bytes: ascii('FAT1'), labelled: 'vfat' },
  { what: 'a FAT32 filesystem', offset: 82, bytes: ascii('FAT32   '), labelled: 'vfat' },
  { what: 'a Linux RAID member', offset: 4096, bytes: Buffer.from([0xfc, 0x4e, 0x2b, 0xa9]) },
];

/**
 * Names what the first bytes of a device hold, most specific first: an ext filesystem
 * with its label, other filesystems, partition tables. Empty when nothing known is there
 * (which does not mean blank: see isAllZero).
 */
export function findSignatures(head: Buffer): string[] {
  const found: string[] = [];
  const ext = extSuperblockOf(head);
  if (ext) found.push(`an ${ext.type} filesystem ${labelPhrase(ext.label)}`);
  const volume = labelledVolumeOf(head);
  if (volume) found.push(`${volume.fstype === 'vfat' ? 'a FAT' : 'an ISO 9660'} filesystem ${labelPhrase(volume.label)}`);
  for (const magic of magics) {
    if (magic.labelled && magic.labelled === volume?.fstype) continue;
    const end = magic.offset + magic.bytes.length;
    if (head.length >= end && head.subarray(magic.offset, end).equals(magic.bytes) && !found.includes(magic.what)) {
      found.push(magic.what);
    }
  }
  // 0x55AA ends an MBR, and also the boot sector of FAT and NTFS: only a partition table
  // when no filesystem was recognised above.
  if (found.length === 0 && head.length >= 512 && head[MBR_SIGNATURE_AT] === 0x55 && head[MBR_SIGNATURE_AT + 1] === 0xaa) {
    found.push('an MBR partition table');
  }
  return found;
}

function labelPhrase(label: string): string {
  return label ? `labelled ${JSON.stringify(label)}` : 'without a label';
}

/** Offset of the first non-zero byte, or -1 when every byte is zero. */
export function firstNonZero(buffer: Buffer): number {
  // Eight bytes at a time: a MiB is read and checked at every format request.
  const words = Math.floor(buffer.length / 8);
  for (let i = 0; i < words; i++) {
    if (buffer.readBigUInt64LE(i * 8) !== 0n) {
      for (let j = i * 8; j < i * 8 + 8; j++) if (buffer[j] !== 0) return j;
    }
  }
  for (let j = words * 8; j < buffer.length; j++) if (buffer[j] !== 0) return j;
  return -1;
}
