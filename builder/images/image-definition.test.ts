import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../project.ts';
import { InvalidImageDefinitionError, loadImageDefinition, parseImageDefinition, repoTagsFor } from './image-definition.ts';

const minimal = { name: 'only-docker/test', tags: ['{version}'], config: { Entrypoint: ['/bin/sh'] } };

function parse(value: unknown) {
  return parseImageDefinition(value, '/defs/test', 'test/image.json');
}

describe('image definitions', () => {
  it('loads the bundled dhcp and console definitions', async () => {
    const dhcp = await loadImageDefinition(join(REPO_ROOT, 'images/dhcp'));
    assert.equal(dhcp.name, 'only-docker/dhcp');
    assert.equal(dhcp.rootfs, join(REPO_ROOT, 'images/dhcp/rootfs'));
    const console = await loadImageDefinition(join(REPO_ROOT, 'images/console/image.json'));
    assert.deepEqual(console.config.Cmd, ['/bin/sh', '-l']);
    assert.ok(console.config.Env?.includes('HOME=/root'));
    assert.ok(console.files.some((f) => f.from === 'sbin/mke2fs'));
  });

  it('fills defaults and resolves rootfs against the definition directory', () => {
    const def = parse({ ...minimal, rootfs: 'rootfs' });
    assert.deepEqual(def.files, []);
    assert.deepEqual(def.directories, []);
    assert.equal(def.rootfs, '/defs/test/rootfs');
    assert.equal(def.source, 'test/image.json');
  });

  it('names an unknown top-level key', () => {
    assert.throws(() => parse({ ...minimal, entrypoint: ['/bin/sh'] }), (error: unknown) => {
      assert.ok(error instanceof InvalidImageDefinitionError);
      assert.match(error.message, /test\/image\.json/);
      assert.match(error.message, /"entrypoint"/);
      assert.ok(error.cause);
      return true;
    });
  });

  it('names an unknown nested key with its path', () => {
    assert.throws(
      () => parse({ ...minimal, config: { Entrypoint: ['/bin/sh'], Healthcheck: {} } }),
      (error: Error) => /config/.test(error.message) && /"Healthcheck"/.test(error.message),
    );
    assert.throws(
      () => parse({ ...minimal, files: [{ from: 'usr/bin/docker', mode: '0755' }] }),
      (error: Error) => /files\.0/.test(error.message) && /"mode"/.test(error.message),
    );
  });

  it('refuses bad values', () => {
    assert.throws(() => parse({ ...minimal, name: 'Only-Docker/Test' }), /name/);
    assert.throws(() => parse({ ...minimal, tags: ['has space'] }), /tags\.0/);
    assert.throws(() => parse({ ...minimal, directories: [{ path: '/tmp', mode: '777x' }] }), /directories\.0\.mode/);
    assert.throws(() => parse({ ...minimal, directories: [{ path: 'tmp', mode: '0755' }] }), /directories\.0\.path/);
    assert.throws(() => parse({ ...minimal, files: [{ from: '/usr/bin/docker' }] }), /files\.0\.from/);
    assert.throws(() => parse({ ...minimal, files: [{ from: 'usr/../etc/shadow' }] }), /files\.0\.from/);
    assert.throws(() => parse({ ...minimal, config: { Env: ['NOEQUALS'] } }), /config\.Env\.0/);
    assert.throws(() => parse({ ...minimal, busybox: { applets: 'some' } }), /busybox\.applets/);
  });

  it('turns tags into repo:tag references for a version', () => {
    const def = parse({ ...minimal, tags: ['{version}', 'latest'] });
    assert.deepEqual(repoTagsFor(def, '0.1.0'), ['only-docker/test:0.1.0', 'only-docker/test:latest']);
    assert.throws(() => repoTagsFor(def, '0.1.0+local'), InvalidImageDefinitionError);
  });

  it('reports unreadable and malformed files', async () => {
    await assert.rejects(loadImageDefinition('/nonexistent/image.json'), InvalidImageDefinitionError);
    const dir = await mkdtemp(join(tmpdir(), 'image-definition-'));
    try {
      await writeFile(join(dir, 'image.json'), '{ "name": ');
      await assert.rejects(loadImageDefinition(dir), /not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
