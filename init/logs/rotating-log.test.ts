import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RotatingLog } from './rotating-log.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('opens lazily, creating the directory, and appends', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'var/log/docker.log');
  const log = new RotatingLog({ path });
  assert.equal(existsSync(path), false, 'nothing written, no file');
  log.write('one\n');
  log.write(Buffer.from('two\n'));
  assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
  log.close();
});

test('rotates by size and keeps only the given number of files', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'docker.log');
  const log = new RotatingLog({ path, maxBytes: 10, files: 3 });
  for (let i = 0; i < 8; i++) log.write(`line ${i}\n`); // 7 bytes each: one line per file
  assert.equal(readFileSync(path, 'utf8'), 'line 7\n');
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'line 6\n');
  assert.equal(readFileSync(`${path}.2`, 'utf8'), 'line 5\n');
  assert.equal(existsSync(`${path}.3`), false);
  assert.equal(log.rotations, 7);
  for (const name of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(name).size <= 10);
  log.close();
});

test('a write bigger than the limit still lands, alone in its file', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'docker.log');
  const log = new RotatingLog({ path, maxBytes: 4 });
  log.write('ab\n');
  log.write('a long line\n');
  assert.equal(readFileSync(path, 'utf8'), 'a long line\n');
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'ab\n');
  log.close();
});

test('continues an existing file and counts its size', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'docker.log');
  new RotatingLog({ path }).write('from the last boot\n');
  const log = new RotatingLog({ path, maxBytes: 25 });
  log.write('this boot\n');
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'from the last boot\n');
  assert.equal(readFileSync(path, 'utf8'), 'this boot\n');
  log.close();
});

test('notices that the path names another file and reopens it (removed, renamed away)', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'docker.log');
  let now = 0;
  const log = new RotatingLog({ path, checkEveryMs: 1000, now: () => now });
  log.write('a\n');
  renameSync(path, `${path}.old`);
  log.write('b\n'); // within the check interval: still the open file
  now = 1500;
  log.write('c\n');
  assert.equal(readFileSync(`${path}.old`, 'utf8'), 'a\nb\n');
  // Same file system: the old file is someone else's business now, nothing is copied.
  assert.equal(readFileSync(path, 'utf8'), 'c\n');
  unlinkSync(path);
  now = 3000;
  log.write('d\n');
  assert.equal(readFileSync(path, 'utf8'), 'd\n');
  log.close();
});

test('a failing directory is reported once and lines are dropped, then it recovers', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'blocked/docker.log');
  // a file where the directory should be
  new RotatingLog({ path: join(dir, 'blocked') }).write('x');
  const errors: string[] = [];
  let now = 0;
  const log = new RotatingLog({ path, onError: (m) => errors.push(m), now: () => now });
  log.write('lost\n');
  log.write('lost too\n');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /cannot write .*blocked\/docker\.log: .*dropped until it can be written again/);
  rmSync(join(dir, 'blocked'));
  mkdirSync(join(dir, 'blocked'));
  log.write('too soon\n');
  now = 2000;
  log.write('back\n');
  assert.equal(readFileSync(path, 'utf8'), 'back\n');
  log.close();
});

test('after a mount over the log directory, what this boot wrote moves into the new file', (t) => {
  // Two file systems without mounting anything: the directory is a link, retargeted from
  // the temporary directory to /dev/shm, as a mount over /var/log changes its device.
  const dir = tempDir(t);
  let shm: string;
  try {
    shm = mkdtempSync('/dev/shm/od-log-');
  } catch {
    t.skip('no /dev/shm');
    return;
  }
  t.after(() => rmSync(shm, { recursive: true, force: true }));
  if (statSync(shm).dev === statSync(dir).dev) {
    t.skip('/dev/shm is on the same file system here');
    return;
  }
  const ram = join(dir, 'ram');
  mkdirSync(ram);
  const link = join(dir, 'log');
  symlinkSync(ram, link);
  writeFileSync(join(shm, 'only-docker-init.log'), 'last boot\n');
  let now = 0;
  const log = new RotatingLog({ path: join(link, 'only-docker-init.log'), now: () => now });
  log.write('early\n');
  unlinkSync(link);
  symlinkSync(shm, link);
  now = 5000;
  log.write('later\n');
  assert.equal(readFileSync(join(shm, 'only-docker-init.log'), 'utf8'), 'last boot\nearly\nlater\n');
  assert.equal(readFileSync(join(ram, 'only-docker-init.log'), 'utf8'), 'early\n', 'the hidden file is left as it was');
  log.close();
});
