import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUNDLED_IMAGES, buildBundledImages } from './bundled-images.ts';
import { hostLddResolver } from './host-ldd-resolver.ts';
import { readTar } from '../tar/read-tar.ts';

// A staging root shaped like the extracted Debian packages, with small stand-ins for
// the big binaries: this checks that both definitions fit together (every file found,
// no overlaps, symlink targets present), not the Debian binaries themselves.
const HOST_BUSYBOX = '/bin/busybox';
const STAND_IN = existsSync('/usr/bin/true') ? '/usr/bin/true' : process.execPath;

let work: string;
let staging: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bundled-images-'));
  staging = join(work, 'staging');
  const put = async (path: string, from: string) => {
    await mkdir(dirname(join(staging, path)), { recursive: true });
    await copyFile(from, join(staging, path));
  };
  if (existsSync(HOST_BUSYBOX)) await put('bin/busybox', HOST_BUSYBOX);
  for (const program of ['usr/bin/docker', 'sbin/mke2fs', 'sbin/e2fsck', 'sbin/tune2fs', 'sbin/resize2fs', 'sbin/dumpe2fs']) {
    await put(program, STAND_IN);
  }
  for (const [link, target] of [
    ['mkfs.ext2', 'mke2fs'], ['mkfs.ext3', 'mke2fs'], ['mkfs.ext4', 'mke2fs'],
    ['fsck.ext2', 'e2fsck'], ['fsck.ext3', 'e2fsck'], ['fsck.ext4', 'e2fsck'], ['e2label', 'tune2fs'],
  ] as const) {
    await symlink(target, join(staging, 'sbin', link));
  }
  await mkdir(join(staging, 'etc'), { recursive: true });
  await writeFile(join(staging, 'etc/mke2fs.conf'), '[defaults]\n');
});
after(async () => rm(work, { recursive: true, force: true }));

describe('bundled images', { skip: !existsSync(HOST_BUSYBOX) && 'no busybox on this host' }, () => {
  it('builds the DHCP and console images from their definitions', async () => {
    const built = await buildBundledImages({ outDir: join(work, 'out'), stagingRoot: staging, resolveLibraries: hostLddResolver, version: '0.0.1' });
    assert.deepEqual(built.map((b) => b.name), [...BUNDLED_IMAGES]);
    assert.deepEqual(built[0]?.repoTags, ['only-docker/dhcp:0.0.1', 'only-docker/dhcp:latest']);
    assert.deepEqual(built[1]?.repoTags, ['only-docker/console:0.0.1', 'only-docker/console:latest']);

    const members = await readTar(built[1]!.path);
    const manifest = JSON.parse(members.find((m) => m.header.name === 'manifest.json')!.data.toString())[0];
    const config = JSON.parse(members.find((m) => m.header.name === manifest.Config)!.data.toString());
    assert.deepEqual(config.config.Cmd, ['/bin/sh', '-l']);
    assert.ok(config.config.Env.includes('HOME=/root'));
    assert.equal(config.config.WorkingDir, '/root');

    const layerTar = members.find((m) => m.header.name === manifest.Layers[0])!.data;
    const layer = new Map((await readTar(layerTar)).map((m) => [m.header.name, m]));
    assert.equal(layer.get('usr/bin/docker'), undefined, 'the docker CLI is mounted from the host, not shipped twice');
    for (const path of ['usr/sbin/mke2fs', 'usr/sbin/e2fsck', 'etc/mke2fs.conf', 'etc/passwd', 'etc/group', 'usr/bin/busybox', 'usr/lib64/ld-linux-x86-64.so.2']) {
      assert.equal(layer.get(path)?.header.type, 'file', path);
    }
    assert.equal(layer.get('usr/sbin/mkfs.ext4')?.header.linkname, 'mke2fs');
    assert.equal(layer.get('usr/bin/ps')?.header.linkname, '/bin/busybox');
    assert.equal(layer.get('usr/sbin/poweroff')?.header.linkname, '/bin/busybox');
    assert.equal(layer.get('root/')?.header.mode, 0o700);
    assert.equal(layer.get('var/lib/docker/')?.header.type, 'directory');
    assert.equal(layer.get('var/run')?.header.linkname, '../run');
    assert.match(layer.get('etc/motd')!.data.toString(), /docker tag \S+ console-image:latest; exit/);
    assert.match(layer.get('etc/profile')!.data.toString(), /PS1='\[only-docker console\]/);
    assert.match(layer.get('etc/group')!.data.toString(), /^docker:x:\d+:/m);
    assert.match(layer.get('etc/profile.d/busybox-shadowed.sh')!.data.toString(), /^mke2fs\(\) \{ \/sbin\/mke2fs "\$@"; \}$/m);
    assert.equal(layer.has('etc/ssl/certs/ca-certificates.crt'), false, 'optional and absent here');
  });
});
