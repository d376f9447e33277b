import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeDocker } from '../testing/fake-docker.ts';
import { DockerClient } from './docker-client.ts';
import { ImageLoadError, inspectImage, loadImageArchive, parseLoadResponse, splitRepoTag } from './images.ts';

test('parseLoadResponse returns the loaded lines and turns error lines into errors', () => {
  assert.deepEqual(parseLoadResponse('{"stream":"Loaded image: a:1\\n"}\r\n{"stream":"Loaded image: a:latest\\n"}\n'), [
    'Loaded image: a:1',
    'Loaded image: a:latest',
  ]);
  assert.throws(
    () => parseLoadResponse('{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\n'),
    (error: unknown) => error instanceof ImageLoadError && error.message === 'unexpected EOF',
  );
  assert.deepEqual(parseLoadResponse('Loaded image: plain\n'), ['Loaded image: plain']);
});

test('inspectImage: undefined for a missing image, the inspect otherwise', async (t) => {
  const fake = await startFakeDocker(t);
  fake.images.set('a:1', { Id: 'sha256:aaa', RepoTags: ['a:1'] });
  const client = new DockerClient({ socketPath: fake.socketPath });
  assert.equal((await inspectImage(client, 'a:1'))?.Id, 'sha256:aaa');
  assert.equal(await inspectImage(client, 'console-image:latest'), undefined);
  assert.equal(fake.requests.at(-1)?.path, '/images/console-image:latest/json');
});

test('loadImageArchive streams the file with its length and reports a broken archive', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const archive = join(dir, 'a.tar');
  writeFileSync(archive, Buffer.alloc(70_000, 7));
  const fake = await startFakeDocker(t);
  const client = new DockerClient({ socketPath: fake.socketPath });
  assert.deepEqual(await loadImageArchive(client, archive), ['Loaded image: x']);
  const request = fake.requests.find((r) => r.path.startsWith('/images/load'));
  assert.equal(request?.path, '/images/load?quiet=1');
  assert.equal(request?.body.length, 70_000);

  fake.onLoad = () => ({ status: 200, body: '{"errorDetail":{"message":"invalid tar header"},"error":"invalid tar header"}\n' });
  await assert.rejects(loadImageArchive(client, archive), /loading .*a\.tar: invalid tar header/);
  fake.onLoad = () => ({ status: 500, body: '{"message":"no space left on device"}' });
  await assert.rejects(loadImageArchive(client, archive), /500 no space left on device/);
});

test('an archive that fails while it is read rejects the load instead of throwing out of PID 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = await startFakeDocker(t);
  const client = new DockerClient({ socketPath: fake.socketPath });
  // A directory has a size and opens, and every read of it fails (EISDIR): a real
  // stream error, as a bad sector of the medium would give.
  const notAFile = join(dir, 'broken.tar');
  mkdirSync(notAFile);
  await assert.rejects(loadImageArchive(client, notAFile), /EISDIR/);
  // The client is still usable afterwards.
  writeFileSync(join(dir, 'a.tar'), Buffer.alloc(1000, 7));
  assert.deepEqual(await loadImageArchive(client, join(dir, 'a.tar')), ['Loaded image: x']);
});

test('splitRepoTag', () => {
  assert.deepEqual(splitRepoTag('only-docker/dhcp:0.1.0'), { repo: 'only-docker/dhcp', tag: '0.1.0' });
  assert.deepEqual(splitRepoTag('localhost:5000/x'), { repo: 'localhost:5000/x', tag: 'latest' });
});
