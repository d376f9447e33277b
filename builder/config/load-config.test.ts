import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, withOverrides, ConfigError } from './load-config.ts';

const repoConfig = fileURLToPath(new URL('../../only-docker.json', import.meta.url));

const minimal = {
  kernel: { modules: ['overlay'] },
  packages: ['docker.io'],
  files: ['/usr/sbin/dockerd'],
};

test("the repository's own configuration is valid", async () => {
  const config = await loadConfig(repoConfig);
  assert.ok(config.kernel.modules.includes('overlay'));
  assert.equal(config.compression.method, 'zstd');
});

test('defaults fill what the file leaves out', () => {
  const config = parseConfig(minimal);
  assert.equal(config.outDir, 'dist');
  assert.equal(config.kernel.package, 'linux-image-amd64');
  assert.deepEqual(config.compression, { method: 'zstd', level: 19 });
  assert.deepEqual(config.initrd, { layout: 'unpacked' });
  assert.equal(config.debian.suite, 'trixie');
  assert.equal(config.debian.lockFile, 'only-docker.lock.json');
  assert.ok(config.debian.exclude.includes('debconf'));
  assert.equal(config.debian.mirror, undefined);
});

test('debian: the suite is one of the known ones, mirrors are URLs, typos are named', () => {
  assert.equal(parseConfig({ ...minimal, debian: { suite: 'sid', mirror: 'http://mirror.example/debian' } }).debian.suite, 'sid');
  assert.throws(() => parseConfig({ ...minimal, debian: { suite: 'jessie' } }), /debian\.suite/);
  assert.throws(() => parseConfig({ ...minimal, debian: { mirror: 'deb.example/debian' } }), /debian\.mirror: must be an http/);
  assert.throws(() => parseConfig({ ...minimal, debian: { securityMirorr: 'http://x.example' } }), /did you mean "securityMirror"/);
});

test('a typo in a key is an error that names the key and suggests the right one', () => {
  assert.throws(
    () => parseConfig({ ...minimal, kernel: { ...minimal.kernel, modueles: [] } }, 'only-docker.json'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /only-docker\.json/);
      assert.match(err.message, /unknown key "kernel\.modueles" \(did you mean "modules"\?\)/);
      return true;
    },
  );
  assert.throws(() => parseConfig({ ...minimal, compresion: {} }), /unknown key "compresion" \(did you mean "compression"\?\)/);
});

test('a bad value names its key', () => {
  assert.throws(() => parseConfig({ ...minimal, compression: { method: 'lz4' } }), /compression\.method/);
  assert.throws(() => parseConfig({ ...minimal, files: ['usr/sbin/dockerd'] }), /files\.0: must be an absolute path/);
});

test('initrd.layout: unpacked or system-image; a bad value or key names it', () => {
  assert.equal(parseConfig({ ...minimal, initrd: { layout: 'system-image' } }).initrd.layout, 'system-image');
  assert.throws(() => parseConfig({ ...minimal, initrd: { layout: 'squashfs' } }), /initrd\.layout: .*"unpacked"\|"system-image"/);
  assert.throws(() => parseConfig({ ...minimal, initrd: { layot: 'unpacked' } }), /unknown key "initrd\.layot" \(did you mean "layout"\?\)/);
  assert.equal(withOverrides(parseConfig(minimal), { initrdLayout: 'system-image' }).initrd.layout, 'system-image');
  assert.equal(withOverrides(parseConfig({ ...minimal, initrd: { layout: 'system-image' } }), {}).initrd.layout, 'system-image');
});

test('command-line overrides win over the file and are validated', () => {
  const config = withOverrides(parseConfig(minimal), { outDir: 'out', compression: 'gzip', compressionLevel: 6 });
  assert.equal(config.outDir, 'out');
  assert.deepEqual(config.compression, { method: 'gzip', level: 6 });
  assert.equal(withOverrides(parseConfig(minimal), {}).outDir, 'dist');
  assert.throws(() => withOverrides(parseConfig(minimal), { compressionLevel: 42 }), /compression\.level/);
});
