import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePackagesIndex } from './archive-index.ts';
import { DependencyConflictError, PackageNotFoundError, PackageUniverse, resolvePackages, UnsatisfiedDependencyError } from './resolve-packages.ts';

const stanza = (fields: Record<string, string>): string =>
  Object.entries({ Architecture: 'amd64', Filename: `pool/main/x/${fields.Package}.deb`, Size: '10', SHA256: 'a'.repeat(64), ...fields })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const RELEASE_POCKET = [
  stanza({ Package: 'linux-image-amd64', Version: '6.12.48-1', Depends: 'linux-image-6.12.48+deb13-amd64 (= 6.12.48-1)' }),
  stanza({ Package: 'linux-image-6.12.48+deb13-amd64', Version: '6.12.48-1', 'Pre-Depends': 'debconf (>= 0.5) | debconf-2.0', Depends: 'kmod, linux-base (>= 4.3~)' }),
  stanza({ Package: 'kmod', Version: '34-1', Depends: 'libc6 (>= 2.34), libkmod2 (= 34-1)' }),
  stanza({ Package: 'libkmod2', Version: '34-1', Depends: 'libc6 (>= 2.38)' }),
  stanza({ Package: 'linux-base', Version: '4.12', Architecture: 'all' }),
  stanza({ Package: 'libc6', Version: '2.41-12', Depends: 'libgcc-s1' }),
  stanza({ Package: 'libgcc-s1', Version: '14.2.0-19', Depends: 'gcc-14-base (= 14.2.0-19)' }),
  stanza({ Package: 'gcc-14-base', Version: '14.2.0-19' }),
  stanza({ Package: 'docker.io', Version: '26.1.5+dfsg1-9', Depends: 'adduser, containerd (>= 1.7), iptables, tini | dumb-init, libc6 (>= 2.34)' }),
  stanza({ Package: 'containerd', Version: '1.7.24~ds1-6', Depends: 'runc (>= 1.0.0~rc2~)' }),
  stanza({ Package: 'runc', Version: '1.1.15+ds1-2', Depends: 'libc6, libseccomp2' }),
  stanza({ Package: 'libseccomp2', Version: '2.6.0-2' }),
  stanza({ Package: 'iptables', Version: '1.8.11-2', Depends: 'libxtables12 (= 1.8.11-2), netbase' }),
  stanza({ Package: 'libxtables12', Version: '1.8.11-2' }),
  stanza({ Package: 'netbase', Version: '6.5', Architecture: 'all' }),
  stanza({ Package: 'dumb-init', Version: '1.2.5-3' }),
  stanza({ Package: 'tini', Version: '0.19.0-1' }),
  stanza({ Package: 'adduser', Version: '3.152', Architecture: 'all' }),
  stanza({ Package: 'mawk', Version: '1.3.4-1', Provides: 'awk' }),
  stanza({ Package: 'needs-awk', Version: '1', Depends: 'awk' }),
  stanza({ Package: 'needs-new-awk', Version: '1', Depends: 'awk (>= 2)' }),
  stanza({ Package: 'arm-only', Version: '1', Architecture: 'arm64' }),
].join('\n\n');

const SECURITY_POCKET = [
  stanza({ Package: 'linux-image-amd64', Version: '6.12.57-1', Depends: 'linux-image-6.12.57+deb13-amd64 (= 6.12.57-1)' }),
  stanza({ Package: 'linux-image-6.12.57+deb13-amd64', Version: '6.12.57-1', Depends: 'kmod, linux-base (>= 4.3~)' }),
  stanza({ Package: 'runc', Version: '1.1.15+ds1-2+deb13u1', Depends: 'libc6, libseccomp2' }),
].join('\n\n');

const universe = (): PackageUniverse =>
  new PackageUniverse([...parsePackagesIndex(RELEASE_POCKET, 'trixie'), ...parsePackagesIndex(SECURITY_POCKET, 'trixie-security')]);

const names = (list: Array<{ name: string }>): string[] => list.map((p) => p.name);

test('the newest version across pockets wins; a metapackage leads to the real image by its pinned dependency', () => {
  const resolved = resolvePackages(['linux-image-amd64'], universe(), { where: 'fixture', exclude: ['debconf'] });
  assert.deepEqual(names(resolved), ['gcc-14-base', 'kmod', 'libc6', 'libgcc-s1', 'libkmod2', 'linux-base', 'linux-image-6.12.57+deb13-amd64', 'linux-image-amd64']);
  const image = resolved.find((p) => p.name === 'linux-image-6.12.57+deb13-amd64')!;
  assert.equal(image.pocket, 'trixie-security');
  assert.equal(image.reason, 'linux-image-amd64');
  assert.equal(resolved.find((p) => p.name === 'linux-image-amd64')!.reason, 'requested');
});

test('alternatives: the first one that exists; excluded names satisfy their group', () => {
  const resolved = resolvePackages(['docker.io'], universe(), { where: 'fixture', exclude: ['adduser'] });
  assert.deepEqual(names(resolved), ['containerd', 'docker.io', 'gcc-14-base', 'iptables', 'libc6', 'libgcc-s1', 'libseccomp2', 'libxtables12', 'netbase', 'runc', 'tini']);
  assert.equal(resolved.find((p) => p.name === 'runc')!.version, '1.1.15+ds1-2+deb13u1');
  // Without the exclusion, adduser comes in; with dumb-init requested first, tini stays out.
  const withAdduser = resolvePackages(['dumb-init', 'docker.io'], universe(), { where: 'fixture' });
  assert.ok(names(withAdduser).includes('adduser'));
  assert.ok(names(withAdduser).includes('dumb-init'));
  assert.ok(!names(withAdduser).includes('tini'));
});

test('a virtual name is satisfied through Provides, but a versioned one needs a versioned Provides', () => {
  assert.deepEqual(names(resolvePackages(['needs-awk'], universe(), { where: 'fixture' })), ['mawk', 'needs-awk']);
  assert.throws(
    () => resolvePackages(['needs-new-awk'], universe(), { where: 'fixture' }),
    (error: unknown) => error instanceof UnsatisfiedDependencyError && /needs-new-awk 1 depends on "awk \(>= 2\)"/.test(error.message),
  );
});

test("a virtual name that only an excluded package provides counts as satisfied, as the excluded package's own name does", () => {
  const withPerl = new PackageUniverse([
    ...parsePackagesIndex(stanza({ Package: 'perl-base', Version: '5.40.1-6', Provides: 'perlapi-5.40.0, perlapi-5.40.1' }), 'trixie'),
    ...parsePackagesIndex(stanza({ Package: 'libtext-charwidth-perl', Version: '0.04-11', Depends: 'perl-base, perlapi-5.40.0' }), 'trixie'),
  ]);
  assert.deepEqual(names(resolvePackages(['libtext-charwidth-perl'], withPerl, { exclude: ['perl-base'], where: 'fixture' })), ['libtext-charwidth-perl']);
});

test('a version constraint no candidate meets is an error, and so is an unknown or foreign-architecture request', () => {
  const broken = new PackageUniverse([
    ...parsePackagesIndex(stanza({ Package: 'a', Version: '1', Depends: 'b (>= 3)' }), 'sid'),
    ...parsePackagesIndex(stanza({ Package: 'b', Version: '2' }), 'sid'),
    ...parsePackagesIndex(stanza({ Package: 'c', Version: '1', Depends: 'b (<< 2)' }), 'sid'),
  ]);
  assert.throws(() => resolvePackages(['a'], broken, { where: 'sid' }), UnsatisfiedDependencyError);
  assert.throws(() => resolvePackages(['b', 'c'], broken, { where: 'sid' }), DependencyConflictError);
  assert.throws(() => resolvePackages(['no-such'], universe(), { where: 'fixture' }), PackageNotFoundError);
  assert.throws(() => resolvePackages(['arm-only'], universe(), { where: 'fixture' }), PackageNotFoundError);
});
