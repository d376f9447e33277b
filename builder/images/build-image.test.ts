import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../project.ts';
import { buildImage, BuildImageError } from './build-image.ts';
import { hostLddResolver } from './host-ldd-resolver.ts';
import { parseImageDefinition } from './image-definition.ts';
import { readTar, type TarMember } from '../tar/read-tar.ts';
import type { LibraryFile } from './rootfs-plan.ts';

const HOST_BUSYBOX = '/bin/busybox';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const noLibraries = async (): Promise<LibraryFile[]> => [];

let work: string;
let staging: string;

async function stage(path: string, from: string): Promise<void> {
  await mkdir(dirname(join(staging, path)), { recursive: true });
  await copyFile(from, join(staging, path));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-image-'));
  staging = join(work, 'staging');
  if (existsSync(HOST_BUSYBOX)) await stage('bin/busybox', HOST_BUSYBOX);
  // A small dynamically linked executable (node itself as a fallback).
  await stage('usr/bin/tool', existsSync('/usr/bin/true') ? '/usr/bin/true' : process.execPath);
  await mkdir(join(staging, 'sbin'), { recursive: true });
  await writeFile(join(staging, 'sbin/mke2fs'), '#!/bin/sh\necho real mke2fs\n', { mode: 0o755 });
  await symlink('mke2fs', join(staging, 'sbin/mkfs.ext4'));
  await symlink('missing-target', join(staging, 'sbin/dangling'));
  await mkdir(join(staging, 'etc'), { recursive: true });
  await writeFile(join(staging, 'etc/tool.conf'), 'setting=1\n', { mode: 0o600 });
});
after(async () => rm(work, { recursive: true, force: true }));

/** The archive's manifest, config and layer members, read back. */
async function readImage(path: string) {
  const members = await readTar(path);
  const find = (name: string) => members.find((m) => m.header.name === name)!;
  const [manifest] = JSON.parse(find('manifest.json').data.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.ok(manifest);
  const configBytes = find(manifest.Config).data;
  const layerBytes = find(manifest.Layers[0]!).data;
  const layer = await readTar(layerBytes);
  return {
    manifest,
    configBytes,
    config: JSON.parse(configBytes.toString()),
    layerBytes,
    layer: new Map<string, TarMember>(layer.map((m) => [m.header.name, m])),
    layerNames: layer.map((m) => m.header.name),
  };
}

function assertParentsPresent(names: string[]): void {
  const set = new Set(names);
  for (const name of names) {
    const parts = name.replace(/\/$/, '').split('/');
    for (let i = 1; i < parts.length; i++) assert.ok(set.has(`${parts.slice(0, i).join('/')}/`), `parent of ${name}`);
  }
}

describe('buildImage', () => {
  const hasBusybox = existsSync(HOST_BUSYBOX);

  it('builds the bundled DHCP image', { skip: !hasBusybox && 'no busybox on this host' }, async () => {
    const outFile = join(work, 'dhcp.tar');
    const built = await buildImage(join(REPO_ROOT, 'images/dhcp'), { stagingRoot: staging, resolveLibraries: noLibraries, outFile, version: '1.2.3' });
    assert.deepEqual(built.repoTags, ['only-docker/dhcp:1.2.3', 'only-docker/dhcp:latest']);
    assert.equal(built.path, outFile);
    assert.equal(built.bytes, (await readFile(outFile)).length);

    const image = await readImage(outFile);
    assert.deepEqual(image.manifest.RepoTags, built.repoTags);
    assert.equal(built.imageId, `sha256:${sha256(image.configBytes)}`);
    assert.deepEqual(image.config.rootfs.diff_ids, [`sha256:${sha256(image.layerBytes)}`]);
    assert.equal(built.diffId, image.config.rootfs.diff_ids[0]);
    assert.deepEqual(image.config.config.Entrypoint, ['/usr/sbin/only-docker-dhcp']);
    assert.ok(image.config.config.Env.includes('DHCP_STATE_DIR=/run/only-docker/net'));
    assert.equal(image.config.config.Labels['org.opencontainers.image.version'], '1.2.3');
    assert.equal(image.config.config.Labels['io.only-docker.role'], 'dhcp');
    assert.equal(image.config.created, '1970-01-01T00:00:00Z');

    const { layer } = image;
    assert.equal(layer.get('usr/bin/busybox')?.header.type, 'file');
    assert.equal(layer.get('usr/bin/busybox')?.header.mode, 0o755);
    assert.equal(layer.get('usr/sbin/udhcpc')?.header.linkname, '/bin/busybox');
    assert.equal(layer.get('usr/bin/sh')?.header.linkname, '/bin/busybox');
    assert.equal(layer.get('usr/sbin/ip')?.header.type, 'symlink');
    assert.equal(layer.has('linuxrc'), false, 'excluded applet');
    for (const dir of ['bin', 'sbin', 'lib', 'lib64']) assert.equal(layer.get(dir)?.header.linkname, `usr/${dir}`, 'merged /usr');
    assert.equal(layer.get('usr/sbin/only-docker-dhcp')?.header.mode, 0o755);
    assert.equal(layer.get('usr/share/udhcpc/default.script')?.header.mode, 0o755);
    assert.match(layer.get('usr/share/udhcpc/default.script')!.data.toString(), /lease\.json/);
    assert.equal(layer.get('tmp/')?.header.mode, 0o1777);
    assert.equal(layer.get('run/only-docker/net/')?.header.type, 'directory');
    assert.equal(layer.get('var/run')?.header.linkname, '../run');
    assertParentsPresent(image.layerNames);
  });

  it('gives the same bytes for the same inputs, other bytes for another date', { skip: !hasBusybox && 'no busybox on this host' }, async () => {
    const options = { stagingRoot: staging, resolveLibraries: noLibraries, version: '1.2.3' };
    const a = await buildImage(join(REPO_ROOT, 'images/dhcp'), { ...options, outFile: join(work, 'same-a.tar') });
    const b = await buildImage(join(REPO_ROOT, 'images/dhcp'), { ...options, outFile: join(work, 'same-b.tar') });
    assert.equal(sha256(await readFile(a.path)), sha256(await readFile(b.path)));
    assert.equal(a.imageId, b.imageId);
    const c = await buildImage(join(REPO_ROOT, 'images/dhcp'), { ...options, outFile: join(work, 'same-c.tar'), sourceDateEpoch: 1_700_000_000 });
    assert.notEqual(c.imageId, a.imageId);
    assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.image-build-') || n.endsWith('.partial')), [], 'no work files left');
  });

  const definition = (extra: Record<string, unknown> = {}) =>
    parseImageDefinition(
      {
        name: 'only-docker/test',
        tags: ['{version}'],
        config: { Entrypoint: ['/usr/bin/tool'] },
        busybox: { applets: ['sh', 'mke2fs'] },
        files: [
          { from: 'usr/bin/tool' },
          { from: 'sbin/mke2fs' },
          { from: 'sbin/mkfs.ext4' },
          { from: 'etc/tool.conf', to: '/etc/tool/tool.conf' },
          { from: 'etc/not-there.conf', optional: true },
        ],
        ...extra,
      },
      work,
      'test definition',
    );
  const fakeApplets = async () => ['/bin/busybox', '/bin/sh', '/sbin/mke2fs', '/linuxrc'];

  it('adds files from the staging root with their library closure; named files beat applets', async () => {
    const calls: string[][] = [];
    const resolveLibraries = async (paths: string[]) => {
      calls.push(paths);
      return hostLddResolver(paths);
    };
    const busyboxPath = join(staging, 'sbin/mke2fs'); // any file: listApplets is injected
    const built = await buildImage(definition(), {
      stagingRoot: staging,
      busyboxPath,
      resolveLibraries,
      listApplets: fakeApplets,
      outFile: join(work, 'files.tar'),
      version: '2.0',
    });
    assert.deepEqual(calls, [[join(staging, 'usr/bin/tool')]], 'only the dynamically linked file is resolved');
    const { layer, layerNames } = await readImage(built.path);
    assert.equal(layer.get('usr/bin/tool')?.header.mode, 0o755);
    assert.ok(layer.has('usr/lib64/ld-linux-x86-64.so.2'), 'the loader is in the image');
    assert.equal(layer.get('lib64')?.header.linkname, 'usr/lib64', 'reached by its PT_INTERP path');
    assert.ok(layer.has('usr/lib/x86_64-linux-gnu/libc.so.6'), 'libc is in the image, at its /usr spelling');
    assert.equal(layer.get('usr/sbin/mke2fs')?.header.type, 'file', 'the real mke2fs replaces the applet');
    assert.equal(layer.get('usr/sbin/mke2fs')?.data.toString(), '#!/bin/sh\necho real mke2fs\n');
    assert.equal(layer.get('usr/sbin/mkfs.ext4')?.header.linkname, 'mke2fs');
    assert.equal(layer.get('etc/profile.d/busybox-shadowed.sh')?.data.toString().match(/^mke2fs\(\) .*$/m)?.[0], 'mke2fs() { /sbin/mke2fs "$@"; }');
    assert.equal(layer.get('usr/bin/sh')?.header.linkname, '/bin/busybox');
    assert.equal(layer.get('etc/tool/tool.conf')?.header.mode, 0o644, 'modes normalised to 0644/0755');
    assert.equal(layer.has('etc/not-there.conf'), false);
    assert.equal(layer.has('linuxrc'), false, 'only the chosen applets');
    assertParentsPresent(layerNames);
  });

  it('fails on a missing file or a symlink pointing outside the image, leaving no archive', async () => {
    const options = { stagingRoot: staging, busyboxPath: join(staging, 'sbin/mke2fs'), resolveLibraries: noLibraries, listApplets: fakeApplets, version: '2.0' };
    const missing = join(work, 'missing.tar');
    await assert.rejects(buildImage(definition({ files: [{ from: 'usr/bin/not-there' }] }), { ...options, outFile: missing }), (error: unknown) => {
      assert.ok(error instanceof BuildImageError);
      assert.match(error.message, /usr\/bin\/not-there/);
      return true;
    });
    assert.equal(existsSync(missing), false);
    await assert.rejects(
      buildImage(definition({ files: [{ from: 'sbin/dangling' }] }), { ...options, outFile: join(work, 'dangling.tar') }),
      /\/sbin\/dangling/,
    );
  });

  it('refuses two named sources for one path', async () => {
    const def = definition({ symlinks: [{ path: '/usr/bin/tool', target: 'x' }] });
    await assert.rejects(
      buildImage(def, { stagingRoot: staging, busyboxPath: join(staging, 'sbin/mke2fs'), resolveLibraries: noLibraries, listApplets: fakeApplets, outFile: join(work, 'twice.tar'), version: '2.0' }),
      /declared twice/,
    );
  });
});

describe('build artifacts, volumes and the kept root filesystem', () => {
  const definition = (artifacts: { name: string; to: string }[]) =>
    parseImageDefinition(
      {
        name: 'test/artifacts',
        tags: ['{version}'],
        config: { Entrypoint: ['/usr/local/bin/app'], Volumes: { '/var/lib/docker': {} }, ExposedPorts: { '2376/tcp': {}, '2375/tcp': {} } },
        artifacts,
      },
      work,
      'artifacts test',
    );

  it('puts named artifacts in the layer, keeps the layer as a rootfs tar, and writes Volumes and ExposedPorts', async () => {
    const outFile = join(work, 'artifacts.tar');
    const rootfsOutFile = join(work, 'artifacts-rootfs.tar');
    await buildImage(definition([{ name: 'app', to: '/usr/local/bin/app' }]), {
      stagingRoot: staging,
      resolveLibraries: noLibraries,
      outFile,
      rootfsOutFile,
      version: '1.0',
      artifacts: { app: { bytes: Buffer.from('#!/bin/sh\necho app\n') } },
    });
    const image = await readImage(outFile);
    assert.equal(image.layer.get('usr/local/bin/app')?.data.toString(), '#!/bin/sh\necho app\n');
    assert.equal(image.layer.get('usr/local/bin/app')?.header.mode, 0o755);
    assert.deepEqual(image.config.config.Volumes, { '/var/lib/docker': {} });
    assert.deepEqual(Object.keys(image.config.config.ExposedPorts), ['2375/tcp', '2376/tcp']);
    // The kept rootfs is exactly the image's layer.
    assert.equal(sha256(await readFile(rootfsOutFile)), sha256(image.layerBytes));
  });

  it('an artifact the build does not make is an error that names it', async () => {
    await assert.rejects(
      buildImage(definition([{ name: 'missing', to: '/x' }]), { stagingRoot: staging, resolveLibraries: noLibraries, outFile: join(work, 'm.tar'), version: '1.0', artifacts: { app: { bytes: Buffer.from('') } } }),
      (error: unknown) => error instanceof BuildImageError && /artifact "missing".*makes: app/.test(error.message),
    );
  });
});
