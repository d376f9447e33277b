// Tells dynamically linked executables apart from everything else by their ELF
// program headers (a PT_INTERP entry names the dynamic loader). Only those are handed
// to the library-closure resolver: static binaries (busybox) and scripts have no
// libraries, and ldd-style resolvers fail on them.
import { open } from 'node:fs/promises';

const PT_INTERP = 3;

/** The program interpreter of an ELF file ("/lib64/ld-linux-x86-64.so.2"), or undefined. */
export async function readElfInterpreter(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const ident = Buffer.alloc(64);
    const { bytesRead } = await file.read(ident, 0, 64, 0);
    if (bytesRead < 52 || ident.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = ident[4] === 2;
    const little = ident[5] === 1;
    const u16 = (b: Buffer, o: number) => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    if (is64 && bytesRead < 64) return undefined;
    const phoff = is64 ? u64(ident, 0x20) : u32(ident, 0x1c);
    const phentsize = u16(ident, is64 ? 0x36 : 0x2a);
    const phnum = u16(ident, is64 ? 0x38 : 0x2c);
    if (phnum === 0 || phentsize < (is64 ? 56 : 32)) return undefined;
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (u32(table, at) !== PT_INTERP) continue;
      const offset = is64 ? u64(table, at + 8) : u32(table, at + 4);
      const size = is64 ? u64(table, at + 32) : u32(table, at + 16);
      const text = Buffer.alloc(size);
      await file.read(text, 0, size, offset);
      return text.toString('latin1').replace(/\0.*$/s, '');
    }
    return undefined;
  } finally {
    await file.close();
  }
}
