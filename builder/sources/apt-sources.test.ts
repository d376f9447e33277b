import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverHostMirrors, MirrorNotFoundError, mirrorsFromEntries, parseDeb822Sources, parseOneLineSources, resolveMirrors } from './apt-sources.ts';

const DEB822 = `Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: https://third.example/node
Suites: nodistro
Components: main
`;

async function withEtc(files: Record<string, string>, run: (etc: string) => Promise<void>): Promise<void> {
  const etc = await mkdtemp(join(tmpdir(), 'od-apt-'));
  try {
    await mkdir(join(etc, 'sources.list.d'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(etc, name), text);
    await run(etc);
  } finally {
    await rm(etc, { recursive: true, force: true });
  }
}

test('deb822 sources: archive and security URIs, comments and third-party entries ignored', () => {
  const entries = parseDeb822Sources(DEB822);
  assert.equal(entries.length, 3);
  assert.deepEqual(mirrorsFromEntries(entries), { archive: 'http://mirror.example/debian', security: 'http://mirror.example/debian-security' });
});

test('deb822: a disabled entry is skipped', () => {
  const entries = parseDeb822Sources('Types: deb\nURIs: http://a.example/debian\nSuites: trixie\nEnabled: no\n\nTypes: deb\nURIs: http://b.example/debian\nSuites: trixie\n');
  assert.deepEqual(mirrorsFromEntries(entries), { archive: 'http://b.example/debian' });
});

test('one-line sources.list: options, deb-src and old-style security suites', () => {
  const text = [
    '# comment',
    'deb-src http://src.example/debian bookworm main',
    'deb [arch=amd64 signed-by=/x.gpg] http://one.example/debian bookworm main contrib',
    'deb http://sec.example/ bullseye/updates main',
  ].join('\n');
  assert.deepEqual(mirrorsFromEntries(parseOneLineSources(text)), { archive: 'http://one.example/debian', security: 'http://sec.example' });
});

test('discovery reads sources.list first, then sources.list.d in name order', async () => {
  await withEtc(
    {
      'sources.list': 'deb http://first.example/debian trixie main\n',
      'sources.list.d/debian.sources': DEB822,
      'sources.list.d/a.list': 'deb http://second.example/debian sid main\n',
    },
    async (etc) => {
      assert.deepEqual(await discoverHostMirrors(etc), { archive: 'http://first.example/debian', security: 'http://mirror.example/debian-security' });
    },
  );
});

test('precedence: environment over configuration over the host', async () => {
  await withEtc({ 'sources.list.d/debian.sources': DEB822 }, async (etcApt) => {
    assert.deepEqual(await resolveMirrors({}, { needSecurity: true, env: {}, etcApt }), {
      archive: 'http://mirror.example/debian',
      security: 'http://mirror.example/debian-security',
    });
    assert.deepEqual(await resolveMirrors({ mirror: 'http://cfg.example/debian/' }, { needSecurity: true, env: {}, etcApt }), {
      archive: 'http://cfg.example/debian',
      security: 'http://mirror.example/debian-security',
    });
    const env = { ONLY_DOCKER_DEBIAN_MIRROR: 'http://env.example/d', ONLY_DOCKER_DEBIAN_SECURITY_MIRROR: 'http://env.example/s' };
    assert.deepEqual(await resolveMirrors({ mirror: 'http://cfg.example/debian' }, { needSecurity: true, env, etcApt }), {
      archive: 'http://env.example/d',
      security: 'http://env.example/s',
    });
  });
});

test('no mirror anywhere is a typed error naming the key and the variable', async () => {
  await withEtc({}, async (etcApt) => {
    await assert.rejects(resolveMirrors({}, { needSecurity: false, env: {}, etcApt }), (error: unknown) => {
      return error instanceof MirrorNotFoundError && /debian\.mirror/.test(error.message) && /ONLY_DOCKER_DEBIAN_MIRROR/.test(error.message);
    });
    // sid needs no security mirror
    assert.deepEqual(await resolveMirrors({ mirror: 'http://a.example/debian' }, { needSecurity: false, env: {}, etcApt }), { archive: 'http://a.example/debian' });
    await assert.rejects(resolveMirrors({ mirror: 'http://a.example/debian' }, { needSecurity: true, env: {}, etcApt }), /ONLY_DOCKER_DEBIAN_SECURITY_MIRROR/);
  });
});
