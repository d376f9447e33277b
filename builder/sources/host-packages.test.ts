import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBIAN_12_BASE_PACKAGES, hostPackageOwners, parseDpkgSearch } from './host-packages.ts';

test('parseDpkgSearch maps paths to packages without the architecture', () => {
  const owners = parseDpkgSearch(
    [
      'libselinux1:amd64: /lib/x86_64-linux-gnu/libselinux.so.1',
      'diversion by dash from: /bin/sh',
      'base-files, usr-is-merged: /lib',
      'ca-certificates: /etc/ssl/certs/ca-certificates.crt',
    ].join('\n'),
  );
  assert.deepEqual([...owners], [
    ['/lib/x86_64-linux-gnu/libselinux.so.1', 'libselinux1'],
    ['/etc/ssl/certs/ca-certificates.crt', 'ca-certificates'],
  ]);
});

test('hostPackageOwners finds owners under either merged-/usr spelling', async () => {
  const owners = await hostPackageOwners(['/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2', '/no/such/file']);
  assert.equal(owners.get('/usr/lib/x86_64-linux-gnu/libc.so.6'), 'libc6');
  assert.equal(owners.get('/lib64/ld-linux-x86-64.so.2'), 'libc6');
  assert.equal(owners.has('/no/such/file'), false);
});

test('the Debian 12 base holds glibc and the libraries of coreutils, not docker dependencies', () => {
  for (const name of ['libc6', 'libselinux1', 'libpcre2-8-0', 'libsystemd0', 'libseccomp2']) assert.ok(DEBIAN_12_BASE_PACKAGES.has(name), name);
  for (const name of ['libdevmapper1.02.1', 'libnftnl11', 'libmnl0', 'libxtables12']) assert.ok(!DEBIAN_12_BASE_PACKAGES.has(name), name);
});
