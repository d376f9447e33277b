import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { configureInterfaces } from './configure-interfaces.ts';

/** A sysfs with these cards, and a busybox that records its commands (no real network is touched). */
function setup(t: Parameters<typeof tempDir>[0], cards: string[]) {
  const dir = tempDir(t);
  const sysNet = join(dir, 'sys-class-net');
  for (const card of cards) mkdirSync(join(sysNet, card, 'device'), { recursive: true });
  const calls = join(dir, 'calls');
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, `#!/bin/sh\necho "$*" >> ${calls}\n`);
  chmodSync(busybox, 0o755);
  const ctx = fakeContext({ sysClassNet: sysNet, busybox });
  const commands = () => readFileSync(calls, 'utf8').trim().split('\n');
  return { ctx, commands };
}

test('configureInterfaces is skipped without interfaces in the configuration', async () => {
  assert.deepEqual(await configureInterfaces.run(fakeContext()), { skipped: 'no interfaces in the configuration' });
});

test('configureInterfaces gives each card its MTU and address, no default route, and reports it', async (t) => {
  const { ctx, commands } = setup(t, ['eth0', 'eth1']);
  ctx.config.user.interfaces = [{ name: 'eth1', address: { ip: '10.9.0.11', prefix: 24 }, mtu: 1400 }];
  assert.equal(await configureInterfaces.run(ctx), undefined);
  assert.deepEqual(commands(), [
    'ip link set dev eth1 mtu 1400',
    'ip link set dev eth1 up',
    'ip addr flush dev eth1',
    'ip addr add 10.9.0.11/24 broadcast + dev eth1',
  ]);
  assert.ok(ctx.lines.some((l) => /^\{"od":"net","status":"configured","interface":"eth1","ip":"10\.9\.0\.11","ms":\d+\}$/.test(l)), ctx.lines.join('\n'));
  assert.ok(ctx.lines.includes('init: eth1: 10.9.0.11/24, MTU 1400, no default route (interfaces:)'));
});

test('the DHCP card is left alone; a missing card fails the step after the others are done', { timeout: 20_000 }, async (t) => {
  const { ctx, commands } = setup(t, ['eth0', 'eth2']);
  ctx.config.user.interfaces = [
    { name: 'eth0', address: { ip: '10.9.0.11', prefix: 24 } },
    { name: 'eth1', address: { ip: '10.9.1.11', prefix: 24 } },
    { name: 'eth2', address: { ip: '10.9.2.11', prefix: 24 } },
  ];
  await assert.rejects(Promise.resolve(configureInterfaces.run(ctx)), /^InterfacesNotConfiguredError: 2 of 3 interfaces not configured: eth0, eth1$/);
  assert.ok(commands().every((command) => command.endsWith('dev eth2') || command.includes(' eth2 ')), commands().join('\n'));
  assert.ok(ctx.lines.includes('init: warning: eth0 is od.net.interface, which DHCP or od.net.address configures: left out of interfaces'));
  assert.ok(ctx.lines.includes('init: warning: eth1: not configured: no interface eth1 within 5 s'), ctx.lines.join('\n'));
});
