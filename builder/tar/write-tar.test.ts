import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTar } from './read-tar.ts';
import { TarWriteError, writeTar, type TarMember } from './write-tar.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const mtime = new Date(1_700_000_000_000);

test('members are written in the given order, owned by root, at one time, files streamed from disk', async (t) => {
  const dir = tempDir(t, 'write-tar-');
  await writeFile(join(dir, 'big'), Buffer.alloc(1024 * 1024 + 3, 7));
  const members: TarMember[] = [
    { type: 'directory', name: 'etc', mode: 0o755 },
    { type: 'file', name: 'etc/motd', mode: 0o644, bytes: Buffer.from('hi\n') },
    { type: 'symlink', name: 'sh', target: '/bin/busybox' },
    { type: 'file', name: 'big', mode: 0o755, sourcePath: join(dir, 'big') },
  ];
  await writeTar(join(dir, 'a.tar'), members, mtime);
  await writeTar(join(dir, 'b.tar'), members, mtime);
  assert.deepEqual(await readFile(join(dir, 'a.tar')), await readFile(join(dir, 'b.tar')), 'the same bytes every time');

  const read = await readTar(join(dir, 'a.tar'));
  assert.deepEqual(
    read.map((m) => [m.header.name, m.header.type, m.header.mode, m.header.uid, m.header.gid, m.header.uname, m.header.mtime?.getTime()]),
    [
      ['etc/', 'directory', 0o755, 0, 0, 'root', mtime.getTime()],
      ['etc/motd', 'file', 0o644, 0, 0, 'root', mtime.getTime()],
      ['sh', 'symlink', 0o777, 0, 0, 'root', mtime.getTime()],
      ['big', 'file', 0o755, 0, 0, 'root', mtime.getTime()],
    ],
  );
  assert.equal(read[2]!.header.linkname, '/bin/busybox');
  assert.deepEqual(read[3]!.data, await readFile(join(dir, 'big')));
});

test('a member that is not a regular file fails the write, naming it', async (t) => {
  const dir = tempDir(t, 'write-tar-');
  await assert.rejects(
    writeTar(join(dir, 'x.tar'), [{ type: 'file', name: 'usr/bin/tool', mode: 0o755, sourcePath: dir }], mtime),
    (error: unknown) => error instanceof TarWriteError && /usr\/bin\/tool/.test(error.message) && /not a regular file/.test(error.message),
  );
  await assert.rejects(writeTar(join(dir, 'y.tar'), [{ type: 'file', name: 'gone', mode: 0o644, sourcePath: join(dir, 'missing') }], mtime), TarWriteError);
});
