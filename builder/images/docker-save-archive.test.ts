import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chainIds, writeDockerSaveArchive, DockerSaveArchiveError } from './docker-save-archive.ts';
import { serialiseImageConfig } from './image-config.ts';
import { completeLayerTree, type LayerEntry } from './layer-entry.ts';
import { writeLayerTar } from './layer-tar.ts';
import { readTar, type TarMember } from '../tar/read-tar.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const mtime = new Date(1_700_000_000_000);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docker-save-archive-'));
  await writeFile(join(dir, 'tool'), '#!/bin/sh\necho tool\n');
});
after(async () => rm(dir, { recursive: true, force: true }));

function sampleEntries(): LayerEntry[] {
  return [
    { type: 'file', path: '/usr/local/bin/tool', mode: 0o755, content: { sourcePath: join(dir, 'tool') } },
    { type: 'file', path: '/etc/motd', mode: 0o644, content: { bytes: Buffer.from('hello\n') } },
    { type: 'symlink', path: '/bin/sh', target: '/bin/busybox' },
    { type: 'directory', path: '/tmp', mode: 0o1777 },
  ];
}

async function buildArchive(name: string): Promise<{ path: string; imageId: string; diffId: string }> {
  const layer = await writeLayerTar(completeLayerTree(sampleEntries()), join(dir, `${name}.layer.tar`), mtime);
  const config = serialiseImageConfig({
    config: { Entrypoint: ['/bin/sh'], Env: ['PATH=/bin'], Labels: { b: '2', a: '1' } },
    diffIds: [layer.diffId],
    history: ['test layer'],
    created: mtime,
  });
  const archive = await writeDockerSaveArchive({
    outFile: join(dir, `${name}.tar`),
    config,
    layers: [layer],
    repoTags: ['only-docker/test:1.2.3', 'only-docker/test:latest'],
    mtime,
  });
  return { path: archive.path, imageId: archive.imageId, diffId: layer.diffId };
}

function member(members: TarMember[], name: string): TarMember {
  const found = members.find((m) => m.header.name === name);
  assert.ok(found, `archive has ${name}`);
  return found;
}

describe('writeDockerSaveArchive', () => {
  it('writes the legacy docker save layout docker 20.10 loads', async () => {
    const { path, imageId, diffId } = await buildArchive('layout');
    const members = await readTar(path);
    const names = members.map((m) => m.header.name);
    assert.deepEqual(names, [...names].sort(), 'entries are sorted');

    const manifest = JSON.parse(member(members, 'manifest.json').data.toString()) as {
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }[];
    assert.equal(manifest.length, 1);
    const [entry] = manifest;
    assert.ok(entry);
    assert.deepEqual(entry.RepoTags, ['only-docker/test:1.2.3', 'only-docker/test:latest']);
    assert.equal(entry.Layers.length, 1);

    const configBytes = member(members, entry.Config).data;
    assert.equal(`sha256:${sha256(configBytes)}`, imageId, 'image ID is the config digest');
    assert.equal(entry.Config, `${sha256(configBytes)}.json`);
    const config = JSON.parse(configBytes.toString());
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');
    assert.equal(config.created, '2023-11-14T22:13:20Z');
    assert.deepEqual(config.config.Labels, { a: '1', b: '2' });
    assert.deepEqual(Object.keys(config.config.Labels), ['a', 'b']);
    assert.deepEqual(config.history, [{ created: '2023-11-14T22:13:20Z', created_by: 'test layer' }]);

    const layerName = entry.Layers[0]!;
    const layerTar = member(members, layerName).data;
    assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [`sha256:${sha256(layerTar)}`] });
    assert.equal(diffId, `sha256:${sha256(layerTar)}`);

    const layerId = layerName.split('/')[0]!;
    assert.match(layerId, /^[0-9a-f]{64}$/);
    assert.equal(member(members, `${layerId}/`).header.type, 'directory');
    assert.equal(member(members, `${layerId}/VERSION`).data.toString(), '1.0');
    const v1 = JSON.parse(member(members, `${layerId}/json`).data.toString());
    assert.equal(v1.id, layerId);
    assert.deepEqual(v1.config, config.config);

    const repositories = JSON.parse(member(members, 'repositories').data.toString());
    assert.deepEqual(repositories, { 'only-docker/test': { '1.2.3': layerId, latest: layerId } });

    for (const m of members) {
      assert.equal(m.header.uid, 0);
      assert.equal(m.header.gid, 0);
      assert.equal(m.header.mtime?.getTime(), mtime.getTime());
    }
  });

  it('writes layer entries with modes, symlinks and every parent directory', async () => {
    const { path } = await buildArchive('layer');
    const members = await readTar(path);
    const layerMember = members.find((m) => m.header.name.endsWith('/layer.tar'));
    assert.ok(layerMember);
    const layer = await readTar(layerMember.data);
    const byName = new Map(layer.map((m) => [m.header.name, m]));
    assert.deepEqual(
      layer.map((m) => m.header.name),
      ['bin/', 'bin/sh', 'etc/', 'etc/motd', 'tmp/', 'usr/', 'usr/local/', 'usr/local/bin/', 'usr/local/bin/tool'],
    );
    assert.equal(byName.get('bin/')?.header.type, 'directory');
    assert.equal(byName.get('bin/')?.header.mode, 0o755);
    assert.equal(byName.get('tmp/')?.header.mode, 0o1777);
    assert.equal(byName.get('bin/sh')?.header.type, 'symlink');
    assert.equal(byName.get('bin/sh')?.header.linkname, '/bin/busybox');
    assert.equal(byName.get('etc/motd')?.header.mode, 0o644);
    assert.equal(byName.get('etc/motd')?.data.toString(), 'hello\n');
    const tool = byName.get('usr/local/bin/tool');
    assert.equal(tool?.header.mode, 0o755);
    assert.equal(tool?.header.size, (await readFile(join(dir, 'tool'))).length);
    assert.equal(tool?.data.toString(), '#!/bin/sh\necho tool\n');
    for (const m of layer) {
      assert.equal(m.header.uid, 0);
      assert.equal(m.header.gid, 0);
      assert.equal(m.header.mtime?.getTime(), mtime.getTime());
    }
  });

  it('gives the same bytes for the same inputs', async () => {
    const first = await buildArchive('same-a');
    const second = await buildArchive('same-b');
    assert.equal(sha256(await readFile(first.path)), sha256(await readFile(second.path)));
    assert.equal(first.imageId, second.imageId);
  });

  it('refuses layers that do not match the config', async () => {
    const layer = await writeLayerTar(completeLayerTree(sampleEntries()), join(dir, 'mismatch.layer.tar'), mtime);
    const config = serialiseImageConfig({ config: {}, diffIds: [`sha256:${'0'.repeat(64)}`], history: ['x'], created: mtime });
    await assert.rejects(
      writeDockerSaveArchive({ outFile: join(dir, 'mismatch.tar'), config, layers: [layer], repoTags: ['a:b'], mtime }),
      DockerSaveArchiveError,
    );
  });

  it('computes chain IDs as the image spec does', () => {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const [first, second] = chainIds([a, b]);
    assert.equal(first, a);
    assert.equal(second, `sha256:${sha256(Buffer.from(`${a} ${b}`))}`);
  });
});
