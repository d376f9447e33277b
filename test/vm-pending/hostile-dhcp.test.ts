// A hostile DHCP server on a private virtual network (issue "faults": garbage from
// outside; the README's table of faults tested). The VM's only NIC is wired by QEMU's
// dgram backend to a DHCP server in this process (harness/dhcp-server.ts), so the
// guest's network is nothing but that server: no user-mode NIC, nothing of the host's
// network. The server first hands out a lease built to hurt (shell and terminal escapes
// in the host and domain names, an MTU of 68, thirty-two DNS servers, a lease of
// 2^32-1 s, a malformed time-server option), then refuses every request with a NAK
// whose message is made of escapes while the DHCP client is restarted. One boot, 2 GiB,
// no disk; the checks run in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { check, QemuVm } from '../vm/harness/qemu-vm.ts';
import { sh, waitForConsolePrompt } from '../vm/harness/storage-checks.ts';
import { dockerVersionLine } from '../vm/harness/fixtures.ts';
import {
  CLEAR_SCREEN,
  dgramNetdevArgs,
  freeUdpPort,
  HOSTILE_NAK_MESSAGE,
  hostileLease,
  OVERWRITE,
  RETITLE,
  startDhcpServer,
  type DhcpServer,
} from '../vm/harness/dhcp-server.ts';
import { projectVersion } from '../../builder/project.ts';

const image = `only-docker/console:${projectVersion()}`;
const serverIp = '192.168.77.1';
const guestIp = '192.168.77.50';
// Under TCG on a busy machine dockerd has taken more than its default 60 s to answer.
const slowMachine = 'od.dockerd.timeout=300';

/**
 * The server's control sequences (and their halves), none of which may reach the serial
 * console raw. Its closing ESC [0m is left out: the init's own colours use it.
 */
const injected = [CLEAR_SCREEN, RETITLE, OVERWRITE, '\x1b]0;pwned', 'pwned\x07'];
const rawInjections = (text: string): string[] => injected.filter((sequence) => text.includes(sequence)).map((s) => JSON.stringify(s));

/** What the server answered so far: "offer 1, ack 1, nak 0, arp 0". */
const exchanges = (server: DhcpServer): string => (['offer', 'ack', 'nak', 'arp'] as const).map((kind) => `${kind} ${server.count(kind)}`).join(', ');

describe('a hostile DHCP server on a private network: nothing injected, the MTU and names refused, the system sound (one boot, 2 GiB, no disk)', { timeout: 900_000 }, () => {
  let vm: QemuVm;
  let server: DhcpServer;

  before(async () => {
    server = await startDhcpServer({ serverIp, serverMac: '02:00:00:00:00:01', lease: hostileLease(guestIp) });
    const qemuPort = await freeUdpPort();
    const started = Date.now();
    // A -netdev in qemuArgs keeps the harness from adding its user-mode NIC: this is the only one.
    vm = await QemuVm.bootToInit({ name: 'hostile-dhcp', memoryMb: 2048, append: slowMachine, qemuArgs: dgramNetdevArgs(server.port, qemuPort) });
    await check(vm, () => waitForConsolePrompt(vm));
    console.log(`console prompt ${((Date.now() - started) / 1000).toFixed(1)} s after QEMU started; the server answered: ${exchanges(server)}`);
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
    await server?.close();
  });

  it('the lease from the hostile server is taken on eth0, the only NIC', async (t) => {
    await check(vm, async () => {
      const dhcp = vm.events().find((e) => e.od === 'dhcp');
      t.diagnostic(`dhcp event ${JSON.stringify(dhcp)}; server: ${exchanges(server)}`);
      assert.equal(dhcp?.status, 'bound', `no lease taken; the server answered ${exchanges(server)}`);
      assert.equal(dhcp?.ip, guestIp);
      assert.ok(server.count('ack') >= 1);
      assert.match(await sh(vm, 'ip -4 addr show dev eth0'), new RegExp(`inet ${guestIp.replace(/\./g, '\\.')}/24`));
      // The only interface backed by a device (bridges, veths and lo have none).
      assert.equal(await sh(vm, 'for d in /sys/class/net/*; do [ -e "$d/device" ] && echo "${d##*/}"; done; true'), 'eth0');
    });
  });

  it('a router outside the subnet costs only its route: no default route, the lease kept, the client says why', async () => {
    await check(vm, async () => {
      assert.equal(await sh(vm, 'ip -4 route show default'), '');
      assert.match(await sh(vm, "docker logs dhcp 2>&1 | grep 'router 203.0.113.1' || true"), /router 203\.0\.113\.1 from the server refused on eth0/);
    });
  });

  it('no escape, OSC or carriage return from the server reaches the serial console', async () => {
    await check(vm, async () => {
      assert.deepEqual(rawInjections(vm.serial), []);
    });
  });

  it('an MTU of 68 is ignored: eth0 keeps 1500, and the client says why', async (t) => {
    await check(vm, async () => {
      assert.equal(await sh(vm, 'cat /sys/class/net/eth0/mtu'), '1500');
      const said = await sh(vm, "docker logs dhcp 2>&1 | grep -c 'mtu 68 from the server ignored' || true");
      t.diagnostic(`"mtu 68 from the server ignored" in docker logs dhcp: ${said} time(s)`);
      assert.ok(Number(said) >= 1, 'the DHCP script did not see the MTU option');
    });
  });

  it('the host name is not the server\'s and nothing in the names ran: no reboot, no file written', async () => {
    await check(vm, async () => {
      assert.equal(await sh(vm, 'nsenter -t 1 -u cat /proc/sys/kernel/hostname'), 'only-docker');
      await sh(vm, "test ! -e /tmp/pwned && nsenter -t 1 -m sh -c 'test ! -e /tmp/pwned' && docker exec dhcp test ! -e /tmp/pwned");
      // QEMU runs with -no-reboot: a reboot would have ended it; and the kernel started once.
      assert.ok(vm.running);
      assert.equal(vm.serial.match(/Linux version \d/g)?.length, 1);
    });
  });

  it('resolv.conf in the console is a regular file, bounded, with three name servers and resolver lines only', async (t) => {
    await check(vm, async () => {
      const size = Number(await sh(vm, 'test -f /etc/resolv.conf && test ! -L /etc/resolv.conf && wc -c < /etc/resolv.conf'));
      assert.ok(size > 0 && size < 1024, `${size} bytes`);
      const resolvConf = await sh(vm, 'cat /etc/resolv.conf');
      t.diagnostic(`the console's resolv.conf:\n${resolvConf}`);
      for (const line of resolvConf.split('\n')) assert.match(line, /^(#[ -~]*|search [A-Za-z0-9._-]+( [A-Za-z0-9._-]+)*|nameserver [0-9.]+|options [ -~]+|)$/, JSON.stringify(line));
      const servers = [...resolvConf.matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]);
      assert.deepEqual(servers, ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
      // The host's file, which the init renders from the lease, says the same.
      assert.equal(await sh(vm, "nsenter -t 1 -m cat /etc/resolv.conf | grep -c '^nameserver '"), '3');
    });
  });

  it('PID 1 and dockerd are alive: docker info answers and a container runs', async () => {
    await check(vm, async () => {
      assert.ok(!vm.kernelPanicked);
      await sh(vm, 'kill -0 1');
      assert.match(await sh(vm, 'docker info --format "{{.ServerVersion}}"'), dockerVersionLine);
      assert.equal(await sh(vm, `docker run --rm --entrypoint echo ${image} ran`, 180_000), 'ran');
    });
  });

  it('then every request gets a NAK full of escapes while the client restarts: it is logged printable, the console stays clean', async (t) => {
    await check(vm, async () => {
      server.configure({ nakMessage: HOSTILE_NAK_MESSAGE });
      const naksBefore = server.count('nak');
      await sh(vm, 'docker restart dhcp >/dev/null', 120_000);
      const nakSent = await vm.until(() => server.count('nak') > naksBefore, 120_000);
      t.diagnostic(`after docker restart dhcp the server answered: ${exchanges(server)}`);
      assert.ok(nakSent, `no request came to be refused; the server answered ${exchanges(server)}`);
      // The client's script logs the NAK (udhcpc sleeps 3 s after it, then asks again).
      const logged = await sh(vm, "i=0; while [ $i -lt 30 ] && ! docker logs dhcp 2>&1 | grep -q 'nak on eth0'; do sleep 1; i=$((i+1)); done; docker logs dhcp 2>&1 | grep 'nak on eth0' | head -n 1", 120_000);
      t.diagnostic(`logged: ${JSON.stringify(logged)}`);
      assert.match(logged, /nak on eth0: .*NAK from a hostile server/);
      // Counted, never printed: no ESC, BEL or CR anywhere in the client's log.
      assert.equal(await sh(vm, "docker logs dhcp 2>&1 | tr -cd '\\033\\007\\015' | wc -c"), '0');
      assert.deepEqual(rawInjections(vm.serial), []);
      assert.equal(await sh(vm, 'cat /sys/class/net/eth0/mtu'), '1500');
      assert.match(await sh(vm, 'docker info --format "{{.ServerVersion}}"'), dockerVersionLine);
      assert.equal(await sh(vm, "docker inspect -f '{{.State.Running}}' dhcp"), 'true');
      assert.equal(await sh(vm, 'echo still-here'), 'still-here');
    });
  });
});
