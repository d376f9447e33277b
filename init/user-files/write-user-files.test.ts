import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import type { FileSpec } from '../config/user-config/user-config.ts';
import { writeUserFiles } from './write-user-files.ts';

const file = (path: string, more: Partial<FileSpec> = {}): FileSpec => ({ path, mode: 0o644, content: 'hello', encoding: 'text', ...more });

test('files are written with their mode, directories made, base64 decoded', async (t) => {
  const root = tempDir(t);
  const outcomes = await writeUserFiles([file('/root/srv/index.html'), file('/etc/secret', { mode: 0o600, content: 'aGk=\n', encoding: 'base64' })], root);
  assert.deepEqual(outcomes, [
    { path: '/root/srv/index.html', status: 'written', bytes: 5 },
    { path: '/etc/secret', status: 'written', bytes: 2 },
  ]);
  assert.equal(readFileSync(join(root, 'root/srv/index.html'), 'utf8'), 'hello');
  assert.equal(readFileSync(join(root, 'etc/secret'), 'utf8'), 'hi');
  assert.equal(statSync(join(root, 'etc/secret')).mode & 0o777, 0o600);
});

test('a directory on the way that leads elsewhere is refused; a symlink at the path is replaced, never followed', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'root'), { recursive: true });
  symlinkSync('../usr/bin', join(root, 'root/bin'));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/docker'), 'the real one');
  symlinkSync('../usr/bin/docker', join(root, 'etc/motd'));
  const outcomes = await writeUserFiles([file('/root/bin/docker'), file('/etc/motd')], root);
  assert.equal(outcomes[0]!.status, 'failed');
  assert.match((outcomes[0] as { error: string }).error, /leads to .*usr\/bin, outside where files may be written/);
  assert.deepEqual(outcomes[1], { path: '/etc/motd', status: 'written', bytes: 5 });
  assert.equal(readFileSync(join(root, 'usr/bin/docker'), 'utf8'), 'the real one');
  assert.equal(lstatSync(join(root, 'etc/motd')).isSymbolicLink(), false);
  assert.throws(() => readlinkSync(join(root, 'etc/motd')));
});
