// The DHCP image's shell scripts, run on the build host the way udhcpc and Docker
// run them: the event script with the environment udhcpc sets, the entrypoint with a
// fake udhcpc. A fake `ip` on PATH records what would be done to the interface.
// The event script runs under the host's sh and, when there is one, under busybox ash
// with busybox applets (the image's real interpreter and tools); the entrypoint under
// the host's sh only, since busybox ash would exec its own udhcpc applet.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT } from '../project.ts';

const EVENT_SCRIPT = join(REPO_ROOT, 'images/dhcp/rootfs/usr/share/udhcpc/default.script');
const ENTRYPOINT = join(REPO_ROOT, 'images/dhcp/rootfs/usr/sbin/only-docker-dhcp');
const HOST_BUSYBOX = '/bin/busybox';

interface Shell {
  name: string;
  command: string[];
  /** PATH after the fakes: where the script finds tr, sed, mv... */
  toolPath: string;
}

let work: string;
let fakeBin: string;
let busyboxBin: string;
const shells: Shell[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'dhcp-scripts-'));
  fakeBin = join(work, 'fake-bin');
  await mkdir(fakeBin);
  // Records each call; `route del` fails (nothing to delete), IP_FAIL makes one verb fail.
  await writeFile(
    join(fakeBin, 'ip'),
    `#!/bin/sh
echo "ip $*" >> "$IP_LOG"
case "$*" in "route del"*) exit 2;; esac
if [ -n "\${IP_FAIL:-}" ]; then case "$*" in "$IP_FAIL"*) exit 1;; esac; fi
exit 0
`,
  );
  await writeFile(join(fakeBin, 'udhcpc'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$UDHCPC_ARGS"\necho "$DHCP_STATE_DIR" > "$UDHCPC_ARGS.state"\n');
  await chmod(join(fakeBin, 'ip'), 0o755);
  await chmod(join(fakeBin, 'udhcpc'), 0o755);
  shells.push({ name: 'sh', command: ['sh'], toolPath: '/usr/bin:/bin' });
  if (existsSync(HOST_BUSYBOX)) {
    busyboxBin = join(work, 'busybox-bin');
    await mkdir(busyboxBin);
    const { stdout } = await execa(HOST_BUSYBOX, ['--list']);
    for (const applet of stdout.split('\n').filter((a) => a && a !== 'ip' && a !== 'udhcpc')) {
      await symlink(HOST_BUSYBOX, join(busyboxBin, applet));
    }
    shells.push({ name: 'busybox ash', command: [HOST_BUSYBOX, 'sh'], toolPath: busyboxBin });
  }
});
after(async () => rm(work, { recursive: true, force: true }));

let runCount = 0;
async function freshDir(): Promise<string> {
  const dir = join(work, `run-${++runCount}`);
  await mkdir(dir);
  return dir;
}

async function runEvent(shell: Shell, dir: string, event: string, lease: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const ipLog = join(dir, 'ip.log');
  await writeFile(ipLog, '');
  const [program, ...args] = shell.command;
  // `ip` is a shell function calling the fake: busybox ash (standalone shell) runs its
  // own applets before looking at PATH, so a fake on PATH alone would not be used, and
  // the real `ip` must never touch the build host's interfaces.
  const wrapper = 'ip() { "$FAKE_IP" "$@"; }; . "$EVENT_SCRIPT"';
  const result = await execa(program!, [...args, '-c', wrapper, 'default.script', event], {
    env: {
      PATH: `${fakeBin}:${shell.toolPath}`,
      FAKE_IP: join(fakeBin, 'ip'),
      EVENT_SCRIPT,
      IP_LOG: ipLog,
      DHCP_STATE_DIR: join(dir, 'net'),
      ...lease,
      ...extraEnv,
    },
    extendEnv: false,
    reject: false,
  });
  const ipCalls = (await readFile(ipLog, 'utf8')).split('\n').filter(Boolean);
  return { ...result, ipCalls };
}

const lease = {
  interface: 'eth9',
  ip: '10.0.2.15',
  subnet: '255.255.255.0',
  mask: '24',
  broadcast: '10.0.2.255',
  router: '10.0.2.2',
  dns: '10.0.2.3 1.1.1.1',
  domain: 'example.test',
  lease: '86400',
  serverid: '10.0.2.2',
};

async function readLease(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'net/lease.json'), 'utf8')) as Record<string, unknown>;
}

describe('udhcpc event script', () => {
  for (const shellIndex of [0, 1]) {
    const shell = () => shells[shellIndex]!;
    const label = shellIndex === 0 ? 'sh' : 'busybox ash';
    const skip = shellIndex === 1 && !existsSync(HOST_BUSYBOX) ? 'no busybox on this host' : false;

    describe(label, { skip }, () => {
      it('bound: configures the interface, writes resolv.conf then lease.json', async () => {
        const dir = await freshDir();
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
          serverid: '10.0.2.2',
          leaseSeconds: 86400,
          mtu: null,
        });
        assert.deepEqual((await readdir(join(dir, 'net'))).sort(), ['lease.json', 'resolv.conf'], 'no temporary files left');
        assert.match(result.stderr, /bound 10\.0\.2\.15\/24 on eth9/);
      });

      it('derives the prefix from the subnet mask, sets the mtu, prefers the search option', async () => {
        const dir = await freshDir();
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

      it('renew with the same address leaves the interface alone; a new router only reroutes', async () => {
        const dir = await freshDir();
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
        const dir = await freshDir();
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
        const dir = await freshDir();
        const started = Date.now();
        const result = await runEvent(shell(), dir, 'deconfig', { interface: 'eth9', DHCP_SYS_CLASS_NET: join(dir, 'sys'), DHCP_CARRIER_CHECKS: '3' });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.match(result.stderr, /no carrier on eth9 yet; discovering anyway/);
        assert.ok(Date.now() - started >= 250, 'it waited');
      });

      it('keeps hostile lease values out of resolv.conf and the JSON', async () => {
        const dir = await freshDir();
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

      it('publishes nothing when the address cannot be set', async () => {
        const dir = await freshDir();
        const result = await runEvent(shell(), dir, 'bound', lease, { IP_FAIL: 'addr add' });
        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, /cannot set 10\.0\.2\.15\/24 on eth9/);
        assert.equal(existsSync(join(dir, 'net/lease.json')), false);
      });

      it('logs leasefail and nak without touching anything', async () => {
        const dir = await freshDir();
        const result = await runEvent(shell(), dir, 'nak', { interface: 'eth9', message: 'wrong network' });
        assert.equal(result.exitCode, 0);
        assert.deepEqual(result.ipCalls, []);
        assert.match(result.stderr, /nak on eth9: wrong network/);
      });
    });
  }
});

describe('dhcp entrypoint', () => {
  async function runEntrypoint(dir: string, args: string[], env: Record<string, string>) {
    const sysNet = join(dir, 'sys-class-net');
    const argsFile = join(dir, 'udhcpc.args');
    const result = await execa('sh', [ENTRYPOINT, ...args], {
      env: {
        PATH: `${fakeBin}:/usr/bin:/bin`,
        DHCP_SYS_CLASS_NET: sysNet,
        DHCP_STATE_DIR: join(dir, 'net'),
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
    const dir = await freshDir();
    await fakeInterfaces(dir, { lo: false, eth0: true });
    await mkdir(join(dir, 'net'));
    await writeFile(join(dir, 'net/lease.json'), '{"stale":true}');
    const result = await runEntrypoint(dir, [], {});
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.udhcpcArgs, [
      '-f', '-i', 'eth0', '-s', '/usr/share/udhcpc/default.script', '-t', '8', '-T', '1', '-A', '3', '-O', 'search', '-O', 'mtu',
    ]);
    assert.equal(existsSync(join(dir, 'net/lease.json')), false);
    assert.equal((await readFile(join(dir, 'udhcpc.args.state'), 'utf8')).trim(), join(dir, 'net'), 'the script gets the state dir');
  });

  it('takes the interface from the environment or the first argument, extra arguments to udhcpc', async () => {
    const dir = await freshDir();
    await fakeInterfaces(dir, { eth1: true, eth2: true });
    const fromEnv = await runEntrypoint(dir, [], { DHCP_INTERFACE: 'eth1', DHCP_HOSTNAME: 'box' });
    assert.deepEqual(fromEnv.udhcpcArgs?.slice(0, 4), ['-x', 'hostname:box', '-f', '-i']);
    assert.equal(fromEnv.udhcpcArgs?.[4], 'eth1');
    const fromArg = await runEntrypoint(dir, ['eth2', '-q'], { DHCP_INTERFACE: 'eth1' });
    assert.equal(fromArg.udhcpcArgs?.[2], 'eth2');
    assert.equal(fromArg.udhcpcArgs?.at(-1), '-q');
  });

  it('"auto" picks the first interface backed by a device', async () => {
    const dir = await freshDir();
    await fakeInterfaces(dir, { docker0: false, enp0s3: true, lo: false, veth1: false });
    const result = await runEntrypoint(dir, ['auto'], {});
    assert.equal(result.udhcpcArgs?.[2], 'enp0s3');
  });

  it('gives up when the interface never appears', async () => {
    const dir = await freshDir();
    await fakeInterfaces(dir, { lo: false });
    const result = await runEntrypoint(dir, [], { DHCP_INTERFACE: 'eth7' });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no interface 'eth7' after 0s/);
    assert.equal(result.udhcpcArgs, undefined);
  });
});
