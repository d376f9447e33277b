import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeContext } from '../testing/fake-context.ts';
import { ensureBridge, type CommandResult } from './bridge.ts';
import { makeCreateBridge } from './create-bridge.ts';

function fakeIp(results: Record<string, CommandResult> = {}) {
  const calls: string[] = [];
  const run = async (file: string, args: string[]) => {
    const line = `${file} ${args.join(' ')}`;
    calls.push(line);
    return results[args.slice(1, 3).join(' ')] ?? { code: 0, stderr: '' };
  };
  return { calls, run };
}

function sysClassNet(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'od-net-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('creates the bridge, gives it the address and brings it up, with busybox ip', async (t) => {
  const ip = fakeIp();
  const how = await ensureBridge({
    name: 'br-od',
    address: { ip: '172.30.0.1', prefix: 24 },
    busybox: '/bin/busybox',
    sysClassNet: sysClassNet(t),
    run: ip.run,
  });
  assert.equal(how, 'created');
  assert.deepEqual(ip.calls, [
    '/bin/busybox ip link add br-od type bridge',
    '/bin/busybox ip addr add 172.30.0.1/24 dev br-od',
    '/bin/busybox ip link set br-od up',
  ]);
});

test('an existing bridge and an address it has already are fine', async (t) => {
  const net = sysClassNet(t);
  mkdirSync(join(net, 'br-od/bridge'), { recursive: true });
  const ip = fakeIp({ 'addr add': { code: 2, stderr: 'ip: RTNETLINK answers: File exists' } });
  const how = await ensureBridge({ name: 'br-od', address: { ip: '172.30.0.1', prefix: 24 }, busybox: 'bb', sysClassNet: net, run: ip.run });
  assert.equal(how, 'existed');
  assert.deepEqual(ip.calls, ['bb ip addr add 172.30.0.1/24 dev br-od', 'bb ip link set br-od up']);
});

test('an interface of that name that is not a bridge, or a failing ip, is a BridgeSetupError', async (t) => {
  const net = sysClassNet(t);
  mkdirSync(join(net, 'eth0'));
  await assert.rejects(
    ensureBridge({ name: 'eth0', address: { ip: '10.0.0.1', prefix: 24 }, busybox: 'bb', sysClassNet: net, run: fakeIp().run }),
    { name: 'BridgeSetupError', message: 'eth0 exists and is not a bridge' },
  );
  const ip = fakeIp({ 'link add': { code: 2, stderr: 'ip: RTNETLINK answers: Operation not supported' } });
  await assert.rejects(
    ensureBridge({ name: 'br-x', address: { ip: '10.0.0.1', prefix: 24 }, busybox: 'bb', sysClassNet: net, run: ip.run }),
    /ip link add br-x type bridge failed \(exit 2\): ip: RTNETLINK answers: Operation not supported/,
  );
});

test('the step: skipped without od.bridge, warns without od.bip, marks the bridge ready', async (t) => {
  const ip = fakeIp();
  const step = makeCreateBridge(ip.run);
  const ctx = fakeContext({ sysClassNet: sysClassNet(t) });
  assert.deepEqual(await step.run(ctx), { skipped: 'no od.bridge' });
  ctx.config.dockerd.bip = { ip: '172.30.0.1', prefix: 24 };
  assert.deepEqual(await step.run(ctx), { skipped: 'od.bip without od.bridge: dockerd sets up docker0 with --bip' });
  ctx.config.dockerd.bip = null;
  ctx.config.dockerd.bridge = 'br-od';
  assert.deepEqual(await step.run(ctx), { skipped: 'od.bridge without od.bip' });
  assert.match(ctx.lines.join('\n'), /warning: od\.bridge=br-od needs od\.bip/);
  assert.equal(ip.calls.length, 0);
  ctx.config.dockerd.bip = { ip: '172.30.0.1', prefix: 24 };
  await step.run(ctx);
  assert.deepEqual(ctx.bridge, { name: 'br-od', ready: true });
  assert.ok(ctx.lines.includes('init: bridge br-od created with 172.30.0.1/24; dockerd gets -b br-od'), ctx.lines.join('\n'));
});

test('the step leaves the bridge marked not ready when ip fails', async (t) => {
  const step = makeCreateBridge(fakeIp({ 'link add': { code: 1, stderr: 'no' } }).run);
  const ctx = fakeContext({ sysClassNet: sysClassNet(t) });
  ctx.config.dockerd.bridge = 'br-od';
  ctx.config.dockerd.bip = { ip: '172.30.0.1', prefix: 24 };
  await assert.rejects(Promise.resolve(step.run(ctx)), /BridgeSetupError|ip link add/);
  assert.deepEqual(ctx.bridge, { name: 'br-od', ready: false });
});
