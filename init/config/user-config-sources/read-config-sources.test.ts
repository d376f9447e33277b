import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigSources } from './read-config-sources.ts';
import { diskConfigPath } from './disk-config-source.ts';
import { fakeConfigDrives } from '../../testing/fake-config-drives.ts';
import { isoImage } from '../../storage/test-images.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';

function sourcesIn(dir: string, files: { disk?: string; drive?: string; fwCfg?: string }) {
  const disk = join(dir, 'docker/.only-docker/config.yaml');
  mkdirSync(join(dir, 'docker/.only-docker'), { recursive: true });
  if (files.disk !== undefined) writeFileSync(disk, files.disk);
  const fwCfg = join(dir, 'fw_cfg/raw');
  mkdirSync(join(dir, 'fw_cfg'), { recursive: true });
  if (files.fwCfg !== undefined) writeFileSync(fwCfg, files.fwCfg);
  const images: Record<string, string> = files.drive === undefined ? {} : { sr0: isoImage(join(dir, 'c.iso'), 'cidata', { 'user-data': files.drive }) };
  return { ...fakeConfigDrives(images, join(dir, 'mnt')), diskConfigPath: disk, fwCfgPath: fwCfg };
}

test('the file on the DOCKER disk is .only-docker/config.yaml under /var/lib/docker', () => {
  assert.equal(diskConfigPath, '/var/lib/docker/.only-docker/config.yaml');
});

test('every source there, in precedence order: the DOCKER disk, the config drive, fw_cfg', async (t) => {
  const dir = tempDir(t);
  const deps = sourcesIn(dir, { disk: 'a: disk\n', drive: 'a: drive\n', fwCfg: 'a: fw_cfg\n' });
  assert.deepEqual(await readConfigSources(deps), {
    sources: [
      { source: deps.diskConfigPath, text: 'a: disk\n' },
      { source: '/dev/sr0:user-data', text: 'a: drive\n' },
      { source: 'fw_cfg:opt/org.only-docker/config', text: 'a: fw_cfg\n' },
    ],
    problems: [],
  });
});

test('no source: nothing, and no problem; no DOCKER disk: its file is not looked for', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await readConfigSources(sourcesIn(dir, {})), { sources: [], problems: [] });
  const ram = { ...sourcesIn(join(dir, 'ram'), { disk: 'a: stale\n', fwCfg: 'a: fw_cfg\n' }), diskConfigPath: null };
  assert.deepEqual((await readConfigSources(ram)).sources, [{ source: 'fw_cfg:opt/org.only-docker/config', text: 'a: fw_cfg\n' }]);
});

test('a source that cannot be read is a problem naming it and the cause; the others still come back', async (t) => {
  const dir = tempDir(t);
  const deps = sourcesIn(dir, { drive: 'a: drive\n', fwCfg: 'a: fw_cfg\n' });
  mkdirSync(deps.diskConfigPath); // a directory where the file should be
  deps.sys.failNext('mount', 'ENODEV'); // no iso9660 in the kernel
  const { sources, problems } = await readConfigSources(deps);
  assert.deepEqual(sources, [{ source: 'fw_cfg:opt/org.only-docker/config', text: 'a: fw_cfg\n' }]);
  assert.equal(problems.length, 2);
  assert.equal(problems[0]!.source, deps.diskConfigPath);
  assert.match(problems[0]!.message, /config\.yaml: cannot be read \(.* is not a regular file: not read\)$/);
  assert.equal(problems[1]!.source, '/dev/sr0:user-data');
  assert.match(problems[1]!.message, /^\/dev\/sr0:user-data: cannot mount \/dev\/sr0 \(iso9660, read-only\) on .*: .*ENODEV/);
});
