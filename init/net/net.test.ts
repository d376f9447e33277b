import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dhcpContainerSpec } from './dhcp-container.ts';
import { firstDeviceInterface, InterfaceMissingError, waitForInterface } from './interfaces.ts';
import { renderResolvConf, writeFileAtomic } from './resolv-conf.ts';
import { applyStaticAddress, StaticAddressError, staticAddressCommands } from './static-address.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

test('static address commands: link up, flush, address, default route', () => {
  assert.deepEqual(staticAddressCommands('eth0', { ip: '10.0.2.15', prefix: 24 }, '10.0.2.2'), [
    ['ip', 'link', 'set', 'dev', 'eth0', 'up'],
    ['ip', 'addr', 'flush', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '10.0.2.15/24', 'broadcast', '+', 'dev', 'eth0'],
    ['ip', 'route', 'replace', 'default', 'via', '10.0.2.2', 'dev', 'eth0'],
  ]);
  assert.equal(staticAddressCommands('eth1', { ip: '192.168.1.2', prefix: 16 }, null).length, 3);
});

test('applyStaticAddress runs each command and names the one that failed', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'calls');
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, `#!/bin/sh\necho "$*" >> ${log}\n[ "$2" = route ] && { echo "RTNETLINK answers: Network is unreachable" >&2; exit 2; }\nexit 0\n`);
  chmodSync(busybox, 0o755);
  await assert.rejects(
    applyStaticAddress(busybox, staticAddressCommands('eth0', { ip: '10.0.2.15', prefix: 24 }, '10.9.9.9')),
    (error: unknown) =>
      error instanceof StaticAddressError &&
      error.message === 'ip route replace default via 10.9.9.9 dev eth0: RTNETLINK answers: Network is unreachable',
  );
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 4);
});

test('resolv.conf for a static address, written by rename', async (t) => {
  const dir = tempDir(t);
  assert.equal(renderResolvConf(['10.0.2.3', '1.1.1.1']), '# written by the only-docker init from od.net.dns\nnameserver 10.0.2.3\nnameserver 1.1.1.1\n');
  assert.equal(renderResolvConf([], ['lan']), '# written by the only-docker init from od.net.dns\nsearch lan\n');
  const path = join(dir, 'resolv.conf');
  writeFileSync(path, 'old');
  await writeFileAtomic(path, 'new\n');
  assert.equal(readFileSync(path, 'utf8'), 'new\n');
  assert.deepEqual(readdirSync(dir), ['resolv.conf']);
});

test('interfaces: named, auto = the first with a device, waiting for a late one', async (t) => {
  const sys = tempDir(t);
  mkdirSync(join(sys, 'lo'));
  mkdirSync(join(sys, 'docker0'));
  assert.equal(firstDeviceInterface(sys), undefined);
  await assert.rejects(waitForInterface(sys, 'auto', 150, 50), (e: unknown) => e instanceof InterfaceMissingError && /no network interface within/.test(e.message));
  await assert.rejects(waitForInterface(sys, 'eth0', 150, 50), /no interface eth0 within 0\.15 s/);
  setTimeout(() => mkdirSync(join(sys, 'ens3', 'device'), { recursive: true }), 100);
  assert.equal(await waitForInterface(sys, 'auto', 3000, 20), 'ens3');
  assert.equal(await waitForInterface(sys, 'ens3', 100, 20), 'ens3');
});

test('the DHCP container: host network, only the network capabilities, state directory at the same path', () => {
  assert.deepEqual(dhcpContainerSpec({ image: 'only-docker/dhcp:1.0.0', iface: 'eth0', stateDir: '/run/only-docker/net', hostname: 'box' }), {
    Image: 'only-docker/dhcp:1.0.0',
    Env: ['DHCP_INTERFACE=eth0', 'DHCP_STATE_DIR=/run/only-docker/net', 'DHCP_HOSTNAME=box'],
    Labels: { 'io.only-docker.role': 'dhcp' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN', 'NET_RAW', 'NET_BIND_SERVICE'],
      Binds: ['/run/only-docker/net:/run/only-docker/net'],
      RestartPolicy: { Name: 'unless-stopped' },
    },
  });
});
