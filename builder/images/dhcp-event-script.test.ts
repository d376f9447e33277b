// The DHCP image's udhcpc event script, run on the build host the way udhcpc runs it:
// with the environment udhcpc sets, under the host's sh and busybox ash (see
// dhcp-test-fakes.ts), a fake `ip` recording what would be done to the interface.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import fc from 'fast-check';
import { LeaseFormatError, parseLease } from '../../contract/lease.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { dhcpFakes, EVENT_SCRIPT, HOST_BUSYBOX, sampleLease as lease, type DhcpFakes, type Shell } from './dhcp-test-fakes.ts';

const work = tempDir({ after }, 'dhcp-event-script-');
let fakes: DhcpFakes;
before(async () => {
  fakes = await dhcpFakes(work);
});

async function runEvent(shell: Shell, dir: string, event: string, lease: Record<string, string>, extraEnv: Record<string, string> = {}, timeout?: number) {
  const ipLog = join(dir, 'ip.log');
  await writeFile(ipLog, '');
  const [program, ...args] = shell.command;
  // `ip` is a shell function calling the fake: busybox ash (standalone shell) runs its
  // own applets before looking at PATH, so a fake on PATH alone would not be used, and
  // the real `ip` must never touch the build host's interfaces.
  const wrapper = 'ip() { "$FAKE_IP" "$@"; }; . "$EVENT_SCRIPT"';
  const result = await execa(program!, [...args, '-c', wrapper, 'default.script', event], {
    env: {
      PATH: `${fakes.fakeBin}:${shell.toolPath}`,
      FAKE_IP: join(fakes.fakeBin, 'ip'),
      EVENT_SCRIPT,
      IP_LOG: ipLog,
      IP_ADDRS: join(dir, 'addrs'),
      DHCP_STATE_DIR: join(dir, 'net'),
      ...lease,
      ...extraEnv,
    },
    extendEnv: false,
    reject: false,
    ...(timeout ? { timeout } : {}),
  });
  const ipCalls = (await readFile(ipLog, 'utf8')).split('\n').filter(Boolean);
  return { ...result, ipCalls };
}

async function readLease(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'net/lease.json'), 'utf8')) as Record<string, unknown>;
}

describe('udhcpc event script', () => {
  for (const shellIndex of [0, 1]) {
    const shell = () => fakes.shells[shellIndex]!;
    const label = shellIndex === 0 ? 'sh' : 'busybox ash';
    const skip = shellIndex === 1 && !existsSync(HOST_BUSYBOX) ? 'no busybox on this host' : false;

    describe(label, { skip }, () => {
      it('bound: configures the interface, writes resolv.conf then lease.json', async () => {
        const dir = await fakes.freshDir();
        await mkdir(join(dir, 'net'));
        const before = Math.floor(Date.now() / 1000);
        const result = await runEvent(shell(), dir, 'bound', lease);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.deepEqual(result.ipCalls, [
          'ip addr flush dev eth9',
          'ip addr add 10.0.2.15/24 broadcast 10.0.2.255 dev eth9',
          'ip route del default dev eth9',
          'ip route add default via 10.0.2.2 dev eth9 metric 0',
        ]);
        assert.equal(
          await readFile(join(dir, 'net/resolv.conf'), 'utf8'),
          '# Written by the only-docker DHCP client from the lease of eth9.\nsearch example.test\nnameserver 10.0.2.3\nnameserver 1.1.1.1\n',
        );
        const written = await readLease(dir);
        const obtainedAt = written.obtainedAt as number;
        assert.ok(obtainedAt >= before && obtainedAt <= before + 60, `obtainedAt ${obtainedAt}`);
        delete written.obtainedAt;
        assert.deepEqual(written, {
          event: 'bound',
          interface: 'eth9',
          ip: '10.0.2.15',
          prefix: 24,
          subnet: '255.255.255.0',
          broadcast: '10.0.2.255',
          router: ['10.0.2.2'],
          dns: ['10.0.2.3', '1.1.1.1'],
          domain: 'example.test',
          search: ['example.test'],
          ntp: ['10.0.2.2', '10.0.2.4'],
          serverid: '10.0.2.2',
          leaseSeconds: 86400,
          mtu: null,
        });
        assert.deepEqual(parseLease(await readFile(join(dir, 'net/lease.json'), 'utf8')).ntp, ['10.0.2.2', '10.0.2.4'], 'the init reads the time servers');
        assert.deepEqual((await readdir(join(dir, 'net'))).sort(), ['lease.json', 'resolv.conf'], 'no temporary files left');
        assert.match(result.stderr, /bound 10\.0\.2\.15\/24 on eth9/);
      });

      it('derives the prefix from the subnet mask, sets the mtu, prefers the search option', async () => {
        const dir = await fakes.freshDir();
        const { mask: _mask, ...withoutMask } = lease;
        const result = await runEvent(shell(), dir, 'bound', {
          ...withoutMask,
          subnet: '255.255.240.0',
          router: '10.0.0.1 10.0.0.2',
          mtu: '1400',
          search: 'a.test b.test',
        });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.ok(result.ipCalls.includes('ip addr add 10.0.2.15/20 broadcast 10.0.2.255 dev eth9'));
        assert.ok(result.ipCalls.includes('ip route add default via 10.0.0.1 dev eth9 metric 0'));
        assert.ok(result.ipCalls.includes('ip route add default via 10.0.0.2 dev eth9 metric 1'));
        assert.ok(result.ipCalls.includes('ip link set dev eth9 mtu 1400'));
        const written = await readLease(dir);
        assert.equal(written.prefix, 20);
        assert.equal(written.mtu, 1400);
        assert.deepEqual(written.search, ['a.test', 'b.test']);
        assert.match(await readFile(join(dir, 'net/resolv.conf'), 'utf8'), /^search a\.test b\.test$/m);
      });

      it('a router the kernel refuses costs only its route: the address, resolv.conf and the lease stay', async () => {
        const dir = await fakes.freshDir();
        await mkdir(join(dir, 'net'));
        const result = await runEvent(shell(), dir, 'bound', { ...lease, router: '192.0.2.1' }, { IP_FAIL: 'route add' });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.ok(result.ipCalls.includes('ip addr add 10.0.2.15/24 broadcast 10.0.2.255 dev eth9'));
        assert.match(result.stderr, /router 192\.0\.2\.1 from the server refused on eth9/);
        assert.equal((await readLease(dir)).ip, '10.0.2.15');
        assert.match(await readFile(join(dir, 'net/resolv.conf'), 'utf8'), /^nameserver 10\.0\.2\.3$/m);
      });

      it('renew with the same address leaves the interface alone; a new router only reroutes', async () => {
        const dir = await fakes.freshDir();
        await runEvent(shell(), dir, 'bound', lease);
        const same = await runEvent(shell(), dir, 'renew', lease);
        assert.equal(same.exitCode, 0, same.stderr);
        assert.deepEqual(same.ipCalls, []);
        assert.equal((await readLease(dir)).event, 'renew');

        const rerouted = await runEvent(shell(), dir, 'renew', { ...lease, router: '10.0.2.254' });
        assert.deepEqual(rerouted.ipCalls, ['ip route del default dev eth9', 'ip route add default via 10.0.2.254 dev eth9 metric 0']);

        const moved = await runEvent(shell(), dir, 'renew', { ...lease, ip: '10.0.2.16', router: '10.0.2.254' });
        assert.ok(moved.ipCalls.includes('ip addr add 10.0.2.16/24 broadcast 10.0.2.255 dev eth9'));
        assert.equal((await readLease(dir)).ip, '10.0.2.16');
      });

      it('deconfig removes the lease marker, flushes the interface and waits for carrier', async () => {
        const dir = await fakes.freshDir();
        await mkdir(join(dir, 'sys/eth9'), { recursive: true });
        await writeFile(join(dir, 'sys/eth9/carrier'), '1\n');
        await runEvent(shell(), dir, 'bound', lease);
        const result = await runEvent(shell(), dir, 'deconfig', { interface: 'eth9', DHCP_SYS_CLASS_NET: join(dir, 'sys') });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.deepEqual(result.ipCalls, ['ip link set dev eth9 up', 'ip addr flush dev eth9']);
        assert.equal(existsSync(join(dir, 'net/lease.json')), false);
        assert.equal(existsSync(join(dir, 'net/resolv.conf')), true, 'the last resolver configuration stays');
        assert.doesNotMatch(result.stderr, /no carrier/);
      });

      it('deconfig gives up waiting for carrier after DHCP_CARRIER_CHECKS tenths of a second', async () => {
        const dir = await fakes.freshDir();
        const started = Date.now();
        const result = await runEvent(shell(), dir, 'deconfig', { interface: 'eth9', DHCP_SYS_CLASS_NET: join(dir, 'sys'), DHCP_CARRIER_CHECKS: '3' });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.match(result.stderr, /no carrier on eth9 yet; discovering anyway/);
        assert.ok(Date.now() - started >= 250, 'it waited');
      });

      it('keeps hostile lease values out of resolv.conf and the JSON', async () => {
        const dir = await fakes.freshDir();
        const result = await runEvent(shell(), dir, 'bound', {
          ...lease,
          domain: 'evil.test\nnameserver 6.6.6.6',
          dns: '10.0.2.3"],"x":["',
        });
        assert.equal(result.exitCode, 0, result.stderr);
        const resolv = await readFile(join(dir, 'net/resolv.conf'), 'utf8');
        // Only the characters an address or a domain can have survive: no new lines.
        assert.deepEqual(resolv.split('\n').filter((l) => l.startsWith('nameserver')), ['nameserver 10.0.2.3:']);
        assert.match(resolv, /^search evil\.testnameserver 6\.6\.6\.6$/m);
        const written = await readLease(dir);
        assert.equal(written.domain, 'evil.testnameserver 6.6.6.6');
        assert.equal(written.x, undefined);
      });

      it('ntpsrv: none sent is an empty list; hostile values never leave the list, and the init keeps only IPv4 addresses', async () => {
        const dir = await fakes.freshDir();
        const { ntpsrv: _ntpsrv, ...withoutNtp } = lease;
        assert.equal((await runEvent(shell(), dir, 'bound', withoutNtp)).exitCode, 0);
        assert.deepEqual((await readLease(dir)).ntp, []);

        const hostile = await runEvent(shell(), dir, 'renew', { ...lease, ntpsrv: '10.0.2.2"],"x":["\n-p 6.6.6.6 fe80::1 $(reboot)' });
        assert.equal(hostile.exitCode, 0, hostile.stderr);
        const written = await readLease(dir);
        assert.equal(written.x, undefined);
        assert.deepEqual(written.ntp, ['10.0.2.2:', '6.6.6.6', 'fe80::1', 'eb']);
        assert.deepEqual(parseLease(await readFile(join(dir, 'net/lease.json'), 'utf8')).ntp, ['6.6.6.6']);
      });

      it('publishes nothing when the address cannot be set', async () => {
        const dir = await fakes.freshDir();
        const result = await runEvent(shell(), dir, 'bound', lease, { IP_FAIL: 'addr add' });
        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, /cannot set 10\.0\.2\.15\/24 on eth9/);
        assert.equal(existsSync(join(dir, 'net/lease.json')), false);
      });

      it('an MTU below 576 (or past 65535) from the server is ignored', async () => {
        for (const mtu of ['68', '575', '65536', '99999999999999999999']) {
          const dir = await fakes.freshDir();
          const result = await runEvent(shell(), dir, 'bound', { ...lease, mtu });
          assert.equal(result.exitCode, 0, result.stderr);
          assert.ok(!result.ipCalls.some((c) => c.includes(' mtu ')), `${mtu}: ${result.ipCalls.join('; ')}`);
          assert.match(result.stderr, /mtu .*ignored/);
          assert.equal((await readLease(dir)).mtu, null);
        }
        const dir = await fakes.freshDir();
        assert.ok((await runEvent(shell(), dir, 'bound', { ...lease, mtu: '576' })).ipCalls.includes('ip link set dev eth9 mtu 576'));
      });

      it('a server message reaches the log as printable text only', async () => {
        const dir = await fakes.freshDir();
        const result = await runEvent(shell(), dir, 'nak', { interface: 'eth9', message: 'wrong\u001b]0;owned\u0007\r\nnetwork\u001b[2J' });
        assert.equal(result.exitCode, 0);
        assert.equal(result.stderr, 'only-docker-dhcp: nak on eth9: wrong]0;ownednetwork[2J');
      });

      it('a kept lease that runs out with no server answering loses its address at the next leasefail', async () => {
        const dir = await fakes.freshDir();
        await runEvent(shell(), dir, 'bound', { ...lease, lease: '1' });
        const valid = await runEvent(shell(), dir, 'leasefail', { interface: 'eth9' });
        assert.deepEqual(valid.ipCalls, [], 'still valid');
        await new Promise((resolve) => setTimeout(resolve, 2100));
        const ran = await runEvent(shell(), dir, 'leasefail', { interface: 'eth9' });
        assert.deepEqual(ran.ipCalls, ['ip link set dev eth9 up', 'ip addr flush dev eth9']);
        assert.equal(existsSync(join(dir, 'net/lease.json')), false);
      });

      it('logs leasefail and nak without touching anything', async () => {
        const dir = await fakes.freshDir();
        const result = await runEvent(shell(), dir, 'nak', { interface: 'eth9', message: 'wrong network' });
        assert.equal(result.exitCode, 0);
        assert.deepEqual(result.ipCalls, []);
        assert.match(result.stderr, /nak on eth9: wrong network/);
      });
    });
  }
});

describe('udhcpc event script, property-based: any lease values from a server', () => {
  // What a hostile or broken server may put in each option, as udhcpc hands it on.
  const serverValue = fc.oneof(
    fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    fc.constantFrom('10.0.2.3', '10.0.2.2 10.0.2.254', 'a.test\nnameserver 6.6.6.6', '"],"x":["', '$(reboot)', '`id`', '*', '-1', '99999999999999999999', ''),
  );
  const leaseEnv = fc.record({
    ip: serverValue,
    mask: serverValue,
    subnet: serverValue,
    broadcast: serverValue,
    router: serverValue,
    dns: serverValue,
    domain: serverValue,
    search: serverValue,
    ntpsrv: serverValue,
    lease: serverValue,
    mtu: serverValue,
    serverid: serverValue,
    message: serverValue,
  });

  it('never hangs, exits 0 or 1, and publishes only a lease the init accepts or refuses cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('bound', 'renew', 'nak', 'leasefail'), leaseEnv, async (event, values) => {
        const dir = await fakes.freshDir();
        const env = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/\0/g, '')]));
        const result = await runEvent(fakes.shells[0]!, dir, event, { interface: 'eth9', ...env }, {}, 20_000);
        assert.ok(result.exitCode === 0 || result.exitCode === 1, `exit ${result.exitCode}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'log lines are printable');
        for (const call of result.ipCalls) assert.match(call, /^ip [A-Za-z0-9 ./:+-]*$/, call);
        const leaseFile = join(dir, 'net/lease.json');
        if (existsSync(leaseFile)) {
          try {
            const lease = parseLease(await readFile(leaseFile, 'utf8'));
            assert.ok(lease.ip.length > 0);
          } catch (error) {
            assert.ok(error instanceof LeaseFormatError, String(error));
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
