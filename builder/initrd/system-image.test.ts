import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordTree } from '../cpio/record-tree.ts';
import { dir, file, symlink } from '../cpio/records.ts';
import { findHostTool } from '../sources/host-tools.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { bootModules, buildSystemImage, SYSTEM_IMAGE_TOOL } from './system-image.ts';

function records() {
  return new RecordTree()
    .addAll([
      symlink('bin', 'usr/bin'),
      file('usr/sbin/dockerd', { data: Buffer.from('\x7fELF dockerd') }, 0o755),
      symlink('usr/bin/runc', '../sbin/runc'),
      dir('usr/libexec/docker', 0o700),
      file('usr/share/only-docker/images/index.json', { data: Buffer.from('[]') }),
    ])
    .records();
}

test('the records become a squashfs image with their modes and links, root-owned, and the same inputs give the same bytes', async (t) => {
  const unsquashfs = findHostTool('unsquashfs');
  if (!findHostTool(SYSTEM_IMAGE_TOOL.program) || !unsquashfs) return t.skip(`${SYSTEM_IMAGE_TOOL.program} is not installed (Debian package ${SYSTEM_IMAGE_TOOL.debianPackage})`);
  const scratch = tempDir(t, 'sysimg-');
  const options = { records: records(), outPath: join(scratch, 'system.img'), workDir: scratch, mtime: 1, level: 3 };
  const built = await buildSystemImage(options);
  assert.equal(built.reused, false);
  assert.equal(built.contentBytes, '\x7fELF dockerd'.length + 2);
  const listing = execFileSync(unsquashfs, ['-lls', '-d', '', built.path], { encoding: 'utf8' });
  assert.match(listing, /-rwxr-xr-x root\/root\s+12 1970-01-01 00:00 \/usr\/sbin\/dockerd/);
  assert.match(listing, /lrwxrwxrwx root\/root\s+\d+ 1970-01-01 00:00 \/usr\/bin\/runc -> \.\.\/sbin\/runc/);
  assert.match(listing, /drwx------ root\/root\s+\d+ 1970-01-01 00:00 \/usr\/libexec\/docker/);

  assert.equal((await buildSystemImage(options)).reused, true);
  const bytes = await readFile(built.path);
  await rm(`${built.path}.state.json`);
  const again = await buildSystemImage(options);
  assert.equal(again.reused, false);
  assert.ok((await readFile(again.path)).equals(bytes), 'built again, byte for byte the same');
});

test('a device node is refused: it has no place in the system image', async (t) => {
  if (!findHostTool(SYSTEM_IMAGE_TOOL.program)) return t.skip(`${SYSTEM_IMAGE_TOOL.program} is not installed`);
  const scratch = tempDir(t, 'sysimg-');
  await assert.rejects(
    buildSystemImage({ records: [{ kind: 'charDev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 }], outPath: join(scratch, 'system.img'), workDir: scratch, mtime: 1, level: 3 }),
    /device nodes do not belong/,
  );
});

test('loop and squashfs are loaded first with a system image, and not added to the unpacked layout', () => {
  assert.deepEqual(bootModules(['overlay', 'bridge'], 'unpacked'), ['overlay', 'bridge']);
  assert.deepEqual(bootModules(['overlay', 'bridge'], 'system-image'), ['loop', 'squashfs', 'overlay', 'bridge']);
  // Named in the configuration too: once, first.
  assert.deepEqual(bootModules(['overlay', 'squashfs'], 'system-image'), ['loop', 'squashfs', 'overlay']);
});
