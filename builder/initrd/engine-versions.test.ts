import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineVersions, upstreamVersion } from './engine-versions.ts';

test('upstreamVersion drops the epoch, the Debian revision and the repack suffix', () => {
  assert.equal(upstreamVersion('26.1.5+dfsg1-9+deb13u1+b1'), '26.1.5');
  assert.equal(upstreamVersion('1.7.24~ds1-6+deb13u1'), '1.7.24');
  assert.equal(upstreamVersion('1:1.37.0-6+b9'), '1.37.0');
  assert.equal(upstreamVersion('2.26.1-4'), '2.26.1');
  assert.equal(upstreamVersion('20250419'), '20250419');
});

test('engineVersions names the components the build has, and leaves out the ones it has not', () => {
  assert.deepEqual(
    engineVersions(
      [
        { name: 'docker.io', version: '26.1.5+dfsg1-9+deb13u1+b1' },
        { name: 'docker-cli', version: '26.1.5+dfsg1-9+deb13u1+b1' },
        { name: 'containerd', version: '1.7.24~ds1-6+deb13u1' },
        { name: 'runc', version: '1.1.15+ds1-2+deb13u1' },
        { name: 'docker-buildx', version: '0.13.1+ds1-3' },
        { name: 'libc6', version: '2.41-12' },
      ],
      '6.12.118+deb13-amd64',
    ),
    { kernel: '6.12.118+deb13-amd64', docker: '26.1.5', dockerCli: '26.1.5', containerd: '1.7.24', runc: '1.1.15', buildx: '0.13.1' },
  );
});
