// The builder's one ELF reader. Just enough of ELF to follow dynamic linking: the
// interpreter (PT_INTERP), the needed libraries (DT_NEEDED), the soname and the search
// paths (DT_RUNPATH/DT_RPATH). Read
// with positioned reads, not whole files: dockerd alone is tens of megabytes. Parsing
// ourselves avoids running ldd, which executes the binary's loader on the build host
// and so answers for the host's libraries, not the initrd's.
import { open, type FileHandle } from 'node:fs/promises';
import { OdError } from '../../contract/errors.ts';

export class ElfError extends OdError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

export interface ElfDynamicInfo {
  class: 32 | 64;
  machine: number;
  /** PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2"; absent for static binaries and most libraries. */
  interpreter?: string;
  needed: string[];
  soname?: string;
  /** DT_RUNPATH entries (take precedence, and make DT_RPATH ignored, as in glibc). */
  runpath: string[];
  rpath: string[];
}

const ELF_MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_SONAME = 14n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

interface Segment {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** True when the file starts with the ELF magic (cheap test before parsing). */
export async function isElf(path: string): Promise<boolean> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const head = await readAt(file, 0, 4);
    return head.length === 4 && head.readUInt32LE(0) === ELF_MAGIC;
  } catch {
    return false;
  } finally {
    await file?.close();
  }
}

async function openElf(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new ElfError(path, 'cannot open', { cause: error });
  }
}

/** Reads the dynamic-linking facts of one ELF file; throws ElfError if it is not ELF. */
export async function readElfDynamicInfo(path: string): Promise<ElfDynamicInfo> {
  const file = await openElf(path);
  try {
    return await parse(file, path);
  } finally {
    await file.close();
  }
}

/**
 * The program interpreter of a file ("/lib64/ld-linux-x86-64.so.2"), or undefined for a
 * static binary, a script or anything else that is not a dynamically linked ELF file.
 */
export async function readElfInterpreter(path: string): Promise<string | undefined> {
  const file = await openElf(path);
  try {
    const headers = await readProgramHeaders(file, path).catch((error: unknown) => {
      if (error instanceof ElfError) return undefined;
      throw error;
    });
    return headers && (await interpreterOf(file, headers.segments));
  } finally {
    await file.close();
  }
}

interface ProgramHeaders {
  class: 32 | 64;
  machine: number;
  segments: Segment[];
}

async function readProgramHeaders(file: FileHandle, path: string): Promise<ProgramHeaders> {
  const ident = await readAt(file, 0, 64);
  if (ident.length < 52 || ident.readUInt32LE(0) !== ELF_MAGIC) throw new ElfError(path, 'not an ELF file');
  const elfClass = ident[4] === 2 ? 64 : ident[4] === 1 ? 32 : undefined;
  if (!elfClass) throw new ElfError(path, `unknown ELF class ${ident[4]}`);
  if (ident[5] !== 1) throw new ElfError(path, 'big-endian ELF is not supported');
  const is64 = elfClass === 64;
  if (is64 && ident.length < 64) throw new ElfError(path, 'truncated ELF header');
  const machine = ident.readUInt16LE(18);
  const phoff = is64 ? Number(ident.readBigUInt64LE(32)) : ident.readUInt32LE(28);
  const phentsize = ident.readUInt16LE(is64 ? 54 : 42);
  const phnum = ident.readUInt16LE(is64 ? 56 : 44);
  if (phnum > 0 && phentsize < (is64 ? 56 : 32)) throw new ElfError(path, `program header entries of ${phentsize} bytes are too small`);

  const table = await readAt(file, phoff, phentsize * phnum);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (at + phentsize > table.length) break;
    segments.push(
      is64
        ? {
            type: table.readUInt32LE(at),
            offset: Number(table.readBigUInt64LE(at + 8)),
            vaddr: table.readBigUInt64LE(at + 16),
            filesz: Number(table.readBigUInt64LE(at + 32)),
          }
        : {
            type: table.readUInt32LE(at),
            offset: table.readUInt32LE(at + 4),
            vaddr: BigInt(table.readUInt32LE(at + 8)),
            filesz: table.readUInt32LE(at + 16),
          },
    );
  }
  return { class: elfClass, machine, segments };
}

async function interpreterOf(file: FileHandle, segments: readonly Segment[]): Promise<string | undefined> {
  const interp = segments.find((s) => s.type === PT_INTERP);
  return interp && cString(await readAt(file, interp.offset, interp.filesz), 0);
}

async function parse(file: FileHandle, path: string): Promise<ElfDynamicInfo> {
  const { class: elfClass, machine, segments } = await readProgramHeaders(file, path);
  const is64 = elfClass === 64;
  const info: ElfDynamicInfo = { class: elfClass, machine, needed: [], runpath: [], rpath: [] };
  const interpreter = await interpreterOf(file, segments);
  if (interpreter !== undefined) info.interpreter = interpreter;

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dynamic) return info; // statically linked

  const entrySize = is64 ? 16 : 8;
  const dyn = await readAt(file, dynamic.offset, dynamic.filesz);
  const entries: Array<[bigint, bigint]> = [];
  for (let at = 0; at + entrySize <= dyn.length; at += entrySize) {
    const tag = is64 ? dyn.readBigInt64LE(at) : BigInt(dyn.readInt32LE(at));
    const value = is64 ? dyn.readBigUInt64LE(at + 8) : BigInt(dyn.readUInt32LE(at + 4));
    if (tag === DT_NULL) break;
    entries.push([tag, value]);
  }
  const strtabAddr = entries.find(([tag]) => tag === DT_STRTAB)?.[1];
  const strsz = entries.find(([tag]) => tag === DT_STRSZ)?.[1];
  if (strtabAddr === undefined || strsz === undefined) throw new ElfError(path, 'dynamic section without a string table');
  // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD that holds it.
  const load = segments.find((s) => s.type === PT_LOAD && s.vaddr <= strtabAddr && strtabAddr < s.vaddr + BigInt(s.filesz));
  if (!load) throw new ElfError(path, 'string table is outside every loadable segment');
  const strtab = await readAt(file, load.offset + Number(strtabAddr - load.vaddr), Number(strsz));

  for (const [tag, value] of entries) {
    const text = (): string => cString(strtab, Number(value));
    if (tag === DT_NEEDED) info.needed.push(text());
    else if (tag === DT_SONAME) info.soname = text();
    else if (tag === DT_RUNPATH) info.runpath.push(...text().split(':').filter(Boolean));
    else if (tag === DT_RPATH) info.rpath.push(...text().split(':').filter(Boolean));
  }
  return info;
}

function cString(buffer: Buffer, offset: number): string {
  const end = buffer.indexOf(0, offset);
  return buffer.toString('latin1', offset, end === -1 ? buffer.length : end);
}
