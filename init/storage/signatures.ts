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

interface Magic {
  what: string;
  offset: number;
  bytes: Buffer;
}

const ascii = (text: string) => Buffer.from(text, 'latin1');

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
  { what: 'an ISO 9660 filesystem', offset: 32769, bytes: ascii('CD001') },
  { what: 'an LVM physical volume', offset: 512 + 0, bytes: ascii('LABELONE') },
  { what: 'a LUKS encrypted volume', offset: 0, bytes: Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]) },
  { what: 'an NTFS filesystem', offset: 3, bytes: ascii('NTFS    ') },
  { what: 'a FAT filesystem', offset: 54, bytes: ascii('FAT1') },
  { what: 'a FAT32 filesystem', offset: 82, bytes: ascii('FAT32   ') },
  { what: 'a Linux RAID member', offset: 4096, bytes: Buffer.from([0xfc, 0x4e, 0x2b, 0xa9]) },
];

const MBR_SIGNATURE_AT = 510;

/**
 * Names what the first bytes of a device hold, most specific first: an ext filesystem
 * with its label, other filesystems, partition tables. Empty when nothing known is there
 * (which does not mean blank: see isAllZero).
 */
export function findSignatures(head: Buffer): string[] {
  const found: string[] = [];
  const ext = extSuperblockOf(head);
  if (ext) found.push(`an ${ext.type} filesystem ${ext.label ? `labelled ${JSON.stringify(ext.label)}` : 'without a label'}`);
  for (const magic of magics) {
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
