import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfDynamicInfo } from './elf.ts';
import { LibraryNotFoundError, resolveLibraryClosure } from './library-closure.ts';

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

// /usr/bin/ls of the build host and the libraries it needs, copied into a staging root as
// the extracted packages would lay them out: real ELF files to resolve.
const LS_LIBRARIES = ['libselinux.so.1', 'libc.so.6', 'libpcre2-8.so.0'].map((soname) => [
  `usr/lib/x86_64-linux-gnu/${soname}`,
  realpathSync(`/lib/x86_64-linux-gnu/${soname}`),
]);
const LOADER: [string, string] = ['usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', realpathSync('/lib64/ld-linux-x86-64.so.2')];

async function stagingWithLs(extra: Record<string, string | Buffer> = {}, leaveOut: string[] = []): Promise<string> {
  const files = Object.fromEntries([['usr/bin/ls', '/usr/bin/ls'], ...LS_LIBRARIES, LOADER].filter(([path]) => !leaveOut.some((name) => path!.endsWith(name))));
  const root = await stagingWith({ ...files, ...extra });
  // Debian's merged /usr: /lib and /lib64 are links into /usr.
  await symlink('usr/lib', join(root, 'lib'));
  await mkdir(join(root, 'usr/lib64'), { recursive: true });
  await symlink('../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(root, 'usr/lib64/ld-linux-x86-64.so.2'));
  await symlink('usr/lib64', join(root, 'lib64'));
  return root;
}

test('/usr/bin/ls: libc, libselinux, libpcre2 and the interpreter, all from the staging root', async () => {
  const root = await stagingWithLs();
  try {
    const libs = await resolveLibraryClosure([join(root, 'usr/bin/ls')], root);
    const byTarget = new Map(libs.map((lib) => [lib.targetPath, lib]));
    const libc = byTarget.get('/usr/lib/x86_64-linux-gnu/libc.so.6');
    assert.ok(libc);
    assert.equal(libc.sourcePath, join(root, 'usr/lib/x86_64-linux-gnu/libc.so.6'));
    assert.deepEqual(byTarget.get('/usr/lib/x86_64-linux-gnu/libselinux.so.1')?.neededBy, ['/usr/bin/ls']);
    assert.ok(byTarget.has('/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0'), 'libselinux needs libpcre2');
    assert.ok(byTarget.has('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), 'libc needs the loader by soname');
    const interpreter = byTarget.get('/usr/lib64/ld-linux-x86-64.so.2');
    assert.ok(interpreter, 'the loader at the name PT_INTERP asks for (/lib64 is a link to usr/lib64)');
    assert.equal(interpreter.symlinkTo, '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.ok(libs.every((lib) => lib.sourcePath.startsWith(root)), 'nothing from the build host');
    assert.deepEqual(libs.map((l) => l.targetPath), [...libs.map((l) => l.targetPath)].sort());
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a binary from outside the staging root (the compiled init) takes its libraries from the staging root', async () => {
  const root = await stagingWithLs();
  try {
    const libs = await resolveLibraryClosure(['/usr/bin/ls'], root);
    assert.equal(libs.find((lib) => lib.soname === 'libselinux.so.1')?.sourcePath, join(root, 'usr/lib/x86_64-linux-gnu/libselinux.so.1'));
    assert.ok(libs.every((lib) => lib.sourcePath.startsWith(root)));
  } finally {
    await rm(root, { recursive: true });
  }
});

test('symlinks in the staging root resolve to the real file, placed under the soname', async () => {
  const root = await stagingWithLs({ 'usr/lib/x86_64-linux-gnu/libselinux.so.1.real': realpathSync('/lib/x86_64-linux-gnu/libselinux.so.1') }, ['libselinux.so.1']);
  await symlink('libselinux.so.1.real', join(root, 'usr/lib/x86_64-linux-gnu/libselinux.so.1'));
  try {
    const selinux = (await resolveLibraryClosure(['usr/bin/ls'], root)).find((lib) => lib.soname === 'libselinux.so.1');
    assert.equal(selinux?.sourcePath, join(root, 'usr/lib/x86_64-linux-gnu/libselinux.so.1.real'));
    assert.equal(selinux?.targetPath, '/usr/lib/x86_64-linux-gnu/libselinux.so.1');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a library the staging root lacks is an error even when the build host has it', async () => {
  const root = await stagingWithLs({}, ['libpcre2-8.so.0']);
  try {
    await assert.rejects(resolveLibraryClosure(['usr/bin/ls'], root), (error: unknown) => {
      assert.ok(error instanceof LibraryNotFoundError);
      assert.deepEqual(error.missing, [{ soname: 'libpcre2-8.so.0', neededBy: ['/lib/x86_64-linux-gnu/libselinux.so.1'] }]);
      assert.match(error.message, /add the Debian packages that ship them/);
      return true;
    });
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
  const root = await stagingWithLs({ 'usr/bin/broken': ls });
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
    assert.deepEqual(await resolveLibraryClosure(['bin/static', 'bin/script'], root), []);
  } finally {
    await rm(root, { recursive: true });
  }
});
