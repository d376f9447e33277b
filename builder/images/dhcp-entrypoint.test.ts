// The DHCP image's entrypoint, run on the build host the way Docker runs it, with a
// fake udhcpc and a fake `ip` (dhcp-test-fakes.ts) and a fake /sys/class/net; under the host's sh only,
// since busybox ash would exec its own udhcpc applet.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { dhcpFakes, ENTRYPOINT, EVENT_SCRIPT, sampleLease, type DhcpFakes } from './dhcp-test-fakes.ts';

const work = tempDir({ after }, 'dhcp-entrypoint-');
let fakes: DhcpFakes;
before(async () => {
  fakes = await dhcpFakes(work);
});

describe('dhcp entrypoint', () => {
  async function runEntrypoint(dir: string, args: string[], env: Record<string, string>) {
    const sysNet = join(dir, 'sys-class-net');
    const argsFile = join(dir, 'udhcpc.args');
    const result = await execa('sh', [ENTRYPOINT, ...args], {
      env: {
        PATH: `${fakes.fakeBin}:/usr/bin:/bin`,
        DHCP_SYS_CLASS_NET: sysNet,
        DHCP_STATE_DIR: join(dir, 'net'),
        DHCP_EVENT_SCRIPT: EVENT_SCRIPT,
        IP_LOG: join(dir, 'entrypoint-ip.log'),
        IP_ADDRS: join(dir, 'addrs'),
        DHCP_WAIT_SECONDS: '0',
        UDHCPC_ARGS: argsFile,
        ...env,
      },
      extendEnv: false,
      reject: false,
    });
    const udhcpcArgs = existsSync(argsFile) ? (await readFile(argsFile, 'utf8')).split('\n').filter(Boolean) : undefined;
    return { ...result, udhcpcArgs };
  }

  async function fakeInterfaces(dir: string, names: Record<string, boolean>): Promise<void> {
    for (const [name, hasDevice] of Object.entries(names)) {
      await mkdir(join(dir, 'sys-class-net', name), { recursive: true });
      if (hasDevice) await writeFile(join(dir, 'sys-class-net', name, 'device'), '');
    }
  }

  it('runs udhcpc in the foreground on eth0 and clears a stale lease', async () => {
    const dir = await fakes.freshDir();
    await fakeInterfaces(dir, { lo: false, eth0: true });
    await mkdir(join(dir, 'net'));
    await writeFile(join(dir, 'net/lease.json'), '{"stale":true}');
    const result = await runEntrypoint(dir, [], {});
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.udhcpcArgs, [
      '-f', '-i', 'eth0', '-s', EVENT_SCRIPT, '-t', '8', '-T', '1', '-A', '3', '-O', 'search', '-O', 'mtu', '-O', 'ntpsrv',
    ]);
    assert.equal(existsSync(join(dir, 'net/lease.json')), false);
    assert.equal((await readFile(join(dir, 'udhcpc.args.state'), 'utf8')).trim(), join(dir, 'net'), 'the script gets the state dir');
  });

  it('a restart with the last lease still valid keeps the address: no flush, the same address asked for', async () => {
    const dir = await fakes.freshDir();
    await fakeInterfaces(dir, { lo: false, eth0: true });
    const env = { PATH: `${fakes.fakeBin}:/usr/bin:/bin`, FAKE_IP: join(fakes.fakeBin, 'ip'), EVENT_SCRIPT, IP_LOG: join(dir, 'ip.log'), IP_ADDRS: join(dir, 'addrs'), DHCP_STATE_DIR: join(dir, 'net') };
    const event = (name: string, extra: Record<string, string> = {}) =>
      execa('sh', [EVENT_SCRIPT, name], { env: { ...env, ...sampleLease, interface: 'eth0', ...extra }, extendEnv: false, reject: false });
    assert.equal((await event('bound')).exitCode, 0);
    await writeFile(join(dir, 'ip.log'), '');

    const restarted = await runEntrypoint(dir, [], {});
    assert.equal(restarted.exitCode, 0, restarted.stderr);
    assert.deepEqual(restarted.udhcpcArgs?.slice(0, 2), ['-r', '10.0.2.15']);
    assert.match(restarted.stderr, /keeping 10\.0\.2\.15/);
    assert.equal(existsSync(join(dir, 'net/lease.json')), true, 'the valid lease stays');
    // udhcpc's first deconfig, then the same lease again: the address is never removed.
    const deconfig = await event('deconfig', { DHCP_SYS_CLASS_NET: join(dir, 'sys-class-net') });
    assert.match(deconfig.stderr, /keeping 10\.0\.2\.15\/24 on eth0 while its lease is valid/);
    assert.equal((await event('bound')).exitCode, 0);
    const calls = (await readFile(join(dir, 'ip.log'), 'utf8')).split('\n').filter(Boolean);
    assert.deepEqual(calls, ['ip link set dev eth0 up']);
    assert.match(await readFile(join(dir, 'addrs'), 'utf8'), /inet 10\.0\.2\.15\/24/);

    // A second deconfig (the lease lost for real) does flush: the note was for one start.
    const lost = await event('deconfig', { DHCP_SYS_CLASS_NET: join(dir, 'sys-class-net'), DHCP_CARRIER_CHECKS: '0' });
    assert.equal(lost.exitCode, 0, lost.stderr);
    assert.equal(existsSync(join(dir, 'net/lease.json')), false);
    assert.equal(await readFile(join(dir, 'addrs'), 'utf8'), '');
  });

  it('a restart with an expired lease, or one whose address is gone, starts afresh', async () => {
    for (const variant of ['expired', 'address gone']) {
      const dir = await fakes.freshDir();
      await fakeInterfaces(dir, { lo: false, eth0: true });
      const env = { PATH: `${fakes.fakeBin}:/usr/bin:/bin`, IP_LOG: join(dir, 'ip.log'), IP_ADDRS: join(dir, 'addrs'), DHCP_STATE_DIR: join(dir, 'net') };
      await execa('sh', [EVENT_SCRIPT, 'bound'], { env: { ...env, ...sampleLease, interface: 'eth0', lease: variant === 'expired' ? '0' : '86400' }, extendEnv: false });
      if (variant === 'address gone') await writeFile(join(dir, 'addrs'), '');
      const restarted = await runEntrypoint(dir, [], {});
      assert.equal(restarted.udhcpcArgs?.[0], '-f', variant);
      assert.equal(existsSync(join(dir, 'net/lease.json')), false, variant);
      assert.equal(existsSync(join(dir, 'net/.held')), false, variant);
    }
  });

  it('takes the interface from the environment or the first argument, extra arguments to udhcpc', async () => {
    const dir = await fakes.freshDir();
    await fakeInterfaces(dir, { eth1: true, eth2: true });
    const fromEnv = await runEntrypoint(dir, [], { DHCP_INTERFACE: 'eth1', DHCP_HOSTNAME: 'box' });
    assert.deepEqual(fromEnv.udhcpcArgs?.slice(0, 4), ['-x', 'hostname:box', '-f', '-i']);
    assert.equal(fromEnv.udhcpcArgs?.[4], 'eth1');
    const fromArg = await runEntrypoint(dir, ['eth2', '-q'], { DHCP_INTERFACE: 'eth1' });
    assert.equal(fromArg.udhcpcArgs?.[2], 'eth2');
    assert.equal(fromArg.udhcpcArgs?.at(-1), '-q');
  });

  it('"auto" picks the first interface backed by a device', async () => {
    const dir = await fakes.freshDir();
    await fakeInterfaces(dir, { docker0: false, enp0s3: true, lo: false, veth1: false });
    const result = await runEntrypoint(dir, ['auto'], {});
    assert.equal(result.udhcpcArgs?.[2], 'enp0s3');
  });

  it('gives up when the interface never appears', async () => {
    const dir = await fakes.freshDir();
    await fakeInterfaces(dir, { lo: false });
    const result = await runEntrypoint(dir, [], { DHCP_INTERFACE: 'eth7' });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no interface 'eth7' after 0s/);
    assert.equal(result.udhcpcArgs, undefined);
  });
});
