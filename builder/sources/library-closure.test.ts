import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfDynamicInfo } from './elf.ts';
import { HostLibraryNotAllowedError, LibraryNotFoundError, resolveLibraryClosure } from './library-closure.ts';

async function stagingWith(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'od-libs-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    if (typeof content === 'string') await copyFile(content, join(root, path));
    else await writeFile(join(root, path), content, { mode: 0o755 });
  }
  return root;
}

/** The smallest static x86-64 executable header: one PT_LOAD, no PT_DYNAMIC, no PT_INTERP. */
function staticElf(): Buffer {
  const buffer = Buffer.alloc(64 + 56);
  buffer.writeUInt32LE(0x464c457f, 0);
  buffer[4] = 2; // 64-bit
  buffer[5] = 1; // little-endian
  buffer[6] = 1;
  buffer.writeUInt16LE(2, 16); // ET_EXEC
  buffer.writeUInt16LE(62, 18); // x86-64
  buffer.writeBigUInt64LE(64n, 32); // e_phoff
  buffer.writeUInt16LE(64, 52);
  buffer.writeUInt16LE(56, 54);
  buffer.writeUInt16LE(1, 56);
  buffer.writeUInt32LE(1, 64); // PT_LOAD
  return buffer;
}

test('readElfDynamicInfo reads needed libraries, soname and interpreter of host files', async () => {
  const ls = await readElfDynamicInfo('/usr/bin/ls');
  assert.equal(ls.class, 64);
  assert.equal(ls.interpreter, '/lib64/ld-linux-x86-64.so.2');
  assert.ok(ls.needed.includes('libc.so.6'));
  assert.ok(ls.needed.includes('libselinux.so.1'));
  const libc = await readElfDynamicInfo('/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(libc.soname, 'libc.so.6');
  assert.deepEqual(libc.needed, ['ld-linux-x86-64.so.2']);
  const dir = await mkdtemp(join(tmpdir(), 'od-elf-'));
  try {
    await writeFile(join(dir, 'static'), staticElf());
    const info = await readElfDynamicInfo(join(dir, 'static'));
    assert.deepEqual(info.needed, []);
    assert.equal(info.interpreter, undefined);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('/usr/bin/ls: libc, libselinux, libpcre2 and the interpreter, from the Debian 12 base on the host', async () => {
  const root = await stagingWith({ 'usr/bin/ls': '/usr/bin/ls' });
  try {
    const libs = await resolveLibraryClosure([join(root, 'usr/bin/ls')], root);
    const byTarget = new Map(libs.map((lib) => [lib.targetPath, lib]));
    const libc = byTarget.get('/usr/lib/x86_64-linux-gnu/libc.so.6');
    assert.ok(libc);
    assert.equal(libc.origin, 'host');
    assert.equal(libc.hostPackage, 'libc6');
    assert.equal(libc.sourcePath, realpathSync('/lib/x86_64-linux-gnu/libc.so.6'));
    assert.deepEqual(byTarget.get('/usr/lib/x86_64-linux-gnu/libselinux.so.1')?.neededBy, ['/usr/bin/ls']);
    assert.ok(byTarget.has('/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0'), 'libselinux needs libpcre2');
    assert.ok(byTarget.has('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), 'libc needs the loader by soname');
    const interpreter = byTarget.get('/usr/lib64/ld-linux-x86-64.so.2');
    assert.ok(interpreter, 'the loader at the name PT_INTERP asks for (/lib64 is a link to usr/lib64)');
    assert.equal(interpreter.symlinkTo, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.equal(interpreter.sourcePath, realpathSync('/lib64/ld-linux-x86-64.so.2'));
    assert.deepEqual(libs.map((l) => l.targetPath), [...libs.map((l) => l.targetPath)].sort());
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a library in the staging root wins over the host, symlinks resolved to the real file', async () => {
  const hostSelinux = realpathSync('/lib/x86_64-linux-gnu/libselinux.so.1');
  const root = await stagingWith({ 'usr/bin/ls': '/usr/bin/ls', 'lib/x86_64-linux-gnu/libselinux.so.1.real': hostSelinux });
  await symlink('libselinux.so.1.real', join(root, 'lib/x86_64-linux-gnu/libselinux.so.1'));
  try {
    const libs = await resolveLibraryClosure(['usr/bin/ls'], root);
    const selinux = libs.find((lib) => lib.soname === 'libselinux.so.1');
    assert.equal(selinux?.origin, 'staging');
    assert.equal(selinux?.sourcePath, join(root, 'lib/x86_64-linux-gnu/libselinux.so.1.real'));
    assert.equal(selinux?.targetPath, '/usr/lib/x86_64-linux-gnu/libselinux.so.1');
    // libpcre2 is needed by the staged libselinux and still comes from the host.
    assert.equal(libs.find((lib) => lib.soname === 'libpcre2-8.so.0')?.neededBy[0], '/lib/x86_64-linux-gnu/libselinux.so.1');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('hostFallback none refuses host libraries, naming them and who needs them', async () => {
  const root = await stagingWith({ 'usr/bin/ls': '/usr/bin/ls' });
  try {
    await assert.rejects(resolveLibraryClosure(['usr/bin/ls'], root, { hostFallback: 'none' }), (error: unknown) => {
      assert.ok(error instanceof HostLibraryNotAllowedError);
      assert.match(error.message, /libselinux\.so\.1 at \/lib\/x86_64-linux-gnu\/libselinux\.so\.1 \(package libselinux1; needed by \/usr\/bin\/ls\)/);
      assert.match(error.message, /Add to the fetched packages: .*libc6/);
      return true;
    });
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a host library outside the base packages is refused', async () => {
  const root = await stagingWith({ 'usr/bin/ls': '/usr/bin/ls' });
  try {
    await assert.rejects(
      resolveLibraryClosure(['usr/bin/ls'], root, { basePackages: new Set(['libc6']) }),
      (error: unknown) => error instanceof HostLibraryNotAllowedError && error.libraries.some((l) => l.hostPackage === 'libselinux1'),
    );
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a library found nowhere is an error naming it and the binary that needs it', async () => {
  // Same-length rename of a DT_NEEDED string: the binary stays valid ELF.
  const ls = await readFile('/usr/bin/ls');
  const at = ls.indexOf('libselinux.so.1\0');
  assert.ok(at > 0);
  ls.write('libselinuQ.so.1', at, 'latin1');
  const root = await stagingWith({ 'usr/bin/broken': ls });
  // An absolute link among the given files points into the staging root, not the host.
  await symlink('/usr/bin/broken', join(root, 'usr/bin/link'));
  try {
    await assert.rejects(resolveLibraryClosure(['usr/bin/link'], root), /libselinuQ\.so\.1 \(needed by \/usr\/bin\/link\)/);
    await assert.rejects(resolveLibraryClosure(['usr/bin/broken'], root), (error: unknown) => {
      assert.ok(error instanceof LibraryNotFoundError);
      assert.deepEqual(error.missing, [{ soname: 'libselinuQ.so.1', neededBy: ['/usr/bin/broken'] }]);
      return true;
    });
  } finally {
    await rm(root, { recursive: true });
  }
});

test('static binaries and scripts need nothing', async () => {
  const root = await stagingWith({ 'bin/static': staticElf(), 'bin/script': Buffer.from('#!/bin/sh\necho hi\n') });
  try {
    assert.deepEqual(await resolveLibraryClosure(['bin/static', 'bin/script'], root, { hostFallback: 'none' }), []);
  } finally {
    await rm(root, { recursive: true });
  }
});
