// The part of only-docker a person lands in: the network brought up by the DHCP
// container, and the dom0 console containers on the serial port and the screen, with
// the host shell on VT2. One boot serves every check that can share it; they run in
// order, and the later ones (switching and killing consoles) change what the earlier
// ones looked at.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, QemuVm, REPO_ROOT, type OdEvent } from './harness/qemu-vm.ts';
import { switchToVt, typeOnScreen } from './harness/keyboard.ts';
import { waitForConsolePrompt } from './harness/storage-checks.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DOCKER_VERSION, dockerVersionLine } from './harness/fixtures.ts';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// busybox ash asks the terminal where its cursor is (ESC [6n) right after the prompt.
const prompt = /\[only-docker console\] [^\n]*# (\x1b\[6n)?$/;
const bootTimeoutMs = 300_000;

const consoleReady = (tty: string) => (e: OdEvent) => e.od === 'console' && e.status === 'ready' && e.tty === tty;

/** Waits until the n-th ready event of a terminal's console (1 = the first). */
async function waitForConsole(vm: QemuVm, tty: string, n: number, timeoutMs = 120_000): Promise<OdEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = vm.events().filter(consoleReady(tty));
    if (ready.length >= n) return ready[n - 1]!;
    if (Date.now() > deadline) throw new Error(`no console #${n} on ${tty} within ${timeoutMs / 1000} s`);
    // Wake at the end of every line: an event line can arrive in two chunks.
    await vm.waitFor(/\n/, Math.max(1, deadline - Date.now()), vm.serial.lastIndexOf('\n') + 1).catch(() => undefined);
  }
}

/** Waits for the serial console's prompt after `from`, pressing Enter until it shows. */
async function waitForPrompt(vm: QemuVm, from: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await vm.waitFor(prompt, 5_000, from);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no console prompt within ${timeoutMs / 1000} s`);
      // Init or kernel lines may have landed after the prompt: ask for a fresh one.
      from = vm.serial.length;
      vm.type('\n');
    }
  }
}

/** One line per step, then the milestones: the boot timeline to the console prompt. */
function timeline(vm: QemuVm): string {
  const lines: string[] = [];
  for (const e of vm.events()) {
    if (e.od === 'step' && e.status !== 'start') lines.push(`  ${String(e.name).padEnd(24)} ${String(e.status).padEnd(8)} ${e.ms} ms`);
    if (e.od === 'dhcp' || e.od === 'net' || e.od === 'console' || e.od === 'boot' || e.od === 'docker') lines.push(`  ${JSON.stringify(e)}`);
  }
  return lines.join('\n');
}

describe('console and network, DHCP on QEMU user networking (one boot)', { timeout: 900_000 }, () => {
  let vm: QemuVm;
  let bootStarted = 0;

  before(async () => {
    bootStarted = Date.now();
    vm = await QemuVm.bootToInit({ name: 'console', append: 'od.console=ttyS0,tty1' });
    await check(vm, async () => {
      await waitForConsole(vm, 'ttyS0', 1, bootTimeoutMs);
      await waitForPrompt(vm, 0);
      // The step's end, the boot's and the init's last lines come after the console's
      // first prompt: wait for them, so that no command's output gets them mixed in.
      await vm.waitForEvent((e) => e.od === 'boot', 60_000, 'boot done');
      await vm.waitFor(/init: supervising: [^\n]*\n/, 10_000).catch(() => undefined);
      const from = vm.serial.length;
      vm.type('\n');
      await waitForPrompt(vm, from);
    });
    console.log(`console prompt ${((Date.now() - bootStarted) / 1000).toFixed(1)} s after QEMU started; timeline:\n${timeline(vm)}`);
  });

  after(async () => {
    if (!vm) return;
    vm.keepLog();
    await vm.stop();
  });

  it('the boot steps ran, and the DHCP and console events came in order', async () => {
    await check(vm, async () => {
      const ended = new Map(vm.events().filter((e) => e.od === 'step' && e.status !== 'start').map((e) => [e.name, e]));
      for (const name of ['startHostShell', 'startDockerd', 'loadBundledImages', 'runDhcp', 'startConsole']) {
        assert.equal(ended.get(name)?.status, 'done', `${name}: ${JSON.stringify(ended.get(name))}`);
      }
      assert.equal(ended.get('configureNetwork')?.status, 'skipped');
      const dhcp = vm.events().find((e) => e.od === 'dhcp');
      assert.deepEqual(Object.keys(dhcp ?? {}), ['od', 'status', 'interface', 'ip', 'ms']);
      assert.equal(dhcp?.status, 'bound');
      assert.equal(dhcp?.interface, 'eth0');
      assert.equal(dhcp?.ip, '10.0.2.15');
      const ready = vm.events().find(consoleReady('ttyS0'))!;
      assert.equal(ready.image, `only-docker/console:${version}`);
      assert.equal(typeof ready.ms, 'number');
      // The console is created after the first lease (Docker copies resolv.conf then).
      const order = vm.events().map((e) => (e.od === 'dhcp' ? 'dhcp' : consoleReady('ttyS0')(e) ? 'console' : '')).filter(Boolean);
      assert.deepEqual(order.slice(0, 2), ['dhcp', 'console']);
    });
  });

  it('docker version in the console shows the client and the server', async () => {
    await check(vm, async () => {
      const out = await vm.run('docker version');
      assert.match(out, new RegExp(String.raw`Client:[\s\S]*Version:\s+${DOCKER_VERSION}`));
      assert.match(out, new RegExp(String.raw`Server:[\s\S]*Engine:[\s\S]*Version:\s+${DOCKER_VERSION}`));
      assert.match(await vm.run('command -v docker'), /^\/usr\/local\/bin\/docker$/m);
    });
  });

  it('eth0 has the lease and a default route; resolv.conf names 10.0.2.3 in the console and on the host', async () => {
    await check(vm, async () => {
      assert.match(await vm.run('ip -4 addr show dev eth0'), /inet 10\.0\.2\.15\/24/);
      assert.match(await vm.run('ip route show default'), /default via 10\.0\.2\.2 dev eth0/);
      assert.match(await vm.run('cat /etc/resolv.conf'), /^nameserver 10\.0\.2\.3$/m);
      // The host's /etc/resolv.conf is a link to what the init rendered from the lease.
      const host = await vm.run('nsenter -t 1 -m sh -c "readlink /etc/resolv.conf; cat /etc/resolv.conf"');
      assert.match(host, /^\.\.\/run\/only-docker\/resolv\.conf$/m);
      assert.match(host, /^nameserver 10\.0\.2\.3$/m);
      // Renewals: the client stays running under its restart policy.
      assert.match(await vm.run("docker inspect -f '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.NetworkMode}}' dhcp"), /^true unless-stopped host$/m);
      assert.match(await vm.run('cat /run/only-docker/net/lease.json 2>/dev/null || nsenter -t 1 -m cat /run/only-docker/net/lease.json'), /"ip": "10\.0\.2\.15"/);
    });
  });

  it('docker images lists the bundled images', async () => {
    await check(vm, async () => {
      const out = await vm.run("docker images --format '{{.Repository}}:{{.Tag}}'");
      for (const tag of [`only-docker/dhcp:${version}`, 'only-docker/dhcp:latest', `only-docker/console:${version}`, 'only-docker/console:latest']) {
        assert.match(out, new RegExp(`^${tag.replace(/[./]/g, '\\$&')}$`, 'm'), `${tag} in\n${out}`);
      }
    });
  });

  it('the console sees the whole machine: PID 1 is the init; both consoles and the DHCP client run', async () => {
    await check(vm, async () => {
      assert.match(await vm.run('ps -o pid,args | head -3'), /^\s*1 \/init/m);
      const ps = await vm.run("docker ps --format '{{.Names}} {{.Image}}'");
      assert.match(ps, /^console-ttyS0 only-docker\/console:/m);
      assert.match(ps, /^console-tty1 only-docker\/console:/m);
      assert.match(ps, /^dhcp only-docker\/dhcp:/m);
    });
  });

  it('VT2 is a host shell outside every container, where ps shows the init as PID 1', async () => {
    await check(vm, async () => {
      await vm.run('rm -f /root/vt2-ps /root/vt2-ns');
      await switchToVt(vm, 2);
      await typeOnScreen(vm, 'ps -o pid,args >/root/vt2-ps; readlink /proc/self/ns/mnt >/root/vt2-ns; readlink /proc/1/ns/mnt >>/root/vt2-ns\n');
      const deadline = Date.now() + 60_000;
      let ns = '';
      while (!/mnt:\[\d+\]\s+mnt:\[\d+\]/.test(ns)) {
        if (Date.now() > deadline) throw new Error(`VT2 wrote no /root/vt2-ns: ${ns}`);
        await sleep(2000);
        ns = await vm.run('cat /root/vt2-ns 2>/dev/null');
      }
      const [own, init] = ns.trim().split(/\s+/);
      assert.equal(own, init, 'the VT2 shell is in the init’s mount namespace');
      assert.notEqual((await vm.run('readlink /proc/self/ns/mnt')).trim(), init, 'the console is not');
      assert.match(await vm.run('cat /root/vt2-ps'), /^\s*1 \/init/m);
    });
  });

  it('tty1 has a console container of its own; paths under /root mean the same to the daemon', async () => {
    await check(vm, async () => {
      await vm.run('rm -f /root/tty1-ns');
      await switchToVt(vm, 1);
      await typeOnScreen(vm, 'readlink /proc/self/ns/mnt >/root/tty1-ns\n');
      const deadline = Date.now() + 60_000;
      let ns = '';
      while (!/mnt:\[\d+\]/.test(ns)) {
        if (Date.now() > deadline) throw new Error(`the tty1 console wrote no /root/tty1-ns: ${ns}`);
        await sleep(2000);
        ns = await vm.run('cat /root/tty1-ns 2>/dev/null');
      }
      const hostNs = (await vm.run('readlink /proc/1/ns/mnt')).trim();
      const ownNs = (await vm.run('readlink /proc/self/ns/mnt')).trim();
      assert.notEqual(ns.trim(), hostNs, 'tty1 is in a container');
      assert.notEqual(ns.trim(), ownNs, 'a container other than the serial console');
      // The path rule: /root in the console is the host's /root, so -v /root/... works.
      const out = await vm.run(`docker run --rm -v /root:/r only-docker/console:${version} cat /r/tty1-ns`);
      assert.equal(out.trim().split('\n').at(-1)?.trim(), ns.trim());
    });
  });

  it('console-image:latest replaces the console after `exit`', async () => {
    await check(vm, async () => {
      // An image of our own with something to recognise it by, made in the console:
      // export a container's files and import them (no entrypoint, no command: the init
      // gives such an image a login shell).
      await vm.run(`docker rm -f mk >/dev/null 2>&1; docker run --name mk only-docker/console:${version} sh -c 'echo custom-console >/etc/od-flavor'`, 120_000);
      await vm.run('docker export mk | docker import - console-image:latest && docker rm mk', 180_000);
      const before = vm.events().filter(consoleReady('ttyS0')).length;
      const from = vm.serial.length;
      vm.type('exit\n');
      const ready = await waitForConsole(vm, 'ttyS0', before + 1);
      assert.equal(ready.image, 'console-image:latest');
      await waitForPrompt(vm, from);
      assert.equal((await vm.run('cat /etc/od-flavor')).trim(), 'custom-console');
      assert.match(await vm.run('docker version --format "{{.Server.Version}}"'), dockerVersionLine);
    });
  });

  it('a killed console comes back: the other terminal’s, and its own', async () => {
    await check(vm, async () => {
      const tty1Before = vm.events().filter(consoleReady('tty1')).length;
      await vm.run('docker kill console-tty1 >/dev/null');
      await waitForConsole(vm, 'tty1', tty1Before + 1);
      assert.match(vm.serial, /console on tty1 exited \(code \d+\) after [\d.]+ m?s; starting it again/);

      const serialBefore = vm.events().filter(consoleReady('ttyS0')).length;
      const from = vm.serial.length;
      vm.type('docker kill console-ttyS0\n');
      const ready = await waitForConsole(vm, 'ttyS0', serialBefore + 1);
      assert.equal(ready.image, 'console-image:latest');
      await waitForPrompt(vm, from);
      assert.match(await vm.run('echo alive'), /^alive$/m);
    });
  });
});

describe('no DHCP server: the boot goes on to the console after od.dhcp.timeout', { timeout: 600_000 }, () => {
  it('reports the timeout, and the console comes up without a lease', async () => {
    // A NIC on an empty hub: eth0 exists, nobody answers DHCP.
    const vm = await QemuVm.bootToInit({
      name: 'console-no-dhcp',
      append: 'od.dhcp.timeout=5',
      qemuArgs: ['-netdev', 'hubport,id=h0,hubid=0', '-device', 'virtio-net-pci,netdev=h0'],
    });
    try {
      await check(vm, async () => {
        const timeout = await vm.waitForEvent((e) => e.od === 'dhcp', bootTimeoutMs, 'dhcp');
        assert.deepEqual(Object.keys(timeout), ['od', 'status', 'interface', 'ms']);
        assert.equal(timeout.status, 'timeout');
        // It waited the 5 s asked for (ms also counts the client container's start, which
        // takes seconds more on a loaded machine: no upper bound on a timing here); the
        // warning names the option's value, not the 30 s default.
        assert.ok(Number(timeout.ms) >= 5000, `ms ${timeout.ms}`);
        await vm.waitFor(/no DHCP lease on eth0 within 5 s \(od\.dhcp\.timeout\): going on without network/, 10_000);
        await waitForConsolePrompt(vm);
        // Only the kernel's console= terminal by default (the harness passes console=ttyS0).
        assert.equal(vm.events().filter(consoleReady('tty1')).length, 0);
        assert.match(await vm.run("docker ps --format '{{.Names}}'"), /^dhcp$/m);
        assert.doesNotMatch(await vm.run('ip -4 addr show dev eth0'), /inet /);
      });
    } finally {
      vm.keepLog();
      await vm.stop();
    }
  });
});

describe('a static address from the command line, without the DHCP container', { timeout: 600_000 }, () => {
  it('configures eth0, the default route and resolv.conf from od.net.*', async () => {
    const vm = await QemuVm.bootToInit({
      name: 'console-static',
      append: 'od.net.address=10.0.2.15/24 od.net.gateway=10.0.2.2 od.net.dns=10.0.2.3',
    });
    try {
      await check(vm, async () => {
        const configured = await vm.waitForEvent((e) => e.od === 'net', bootTimeoutMs, 'net configured');
        assert.deepEqual(configured, { od: 'net', status: 'configured', interface: 'eth0', ip: '10.0.2.15', ms: configured.ms });
        await waitForConsolePrompt(vm);
        assert.ok(vm.events().some((e) => e.od === 'step' && e.name === 'runDhcp' && e.status === 'skipped'));
        assert.match(await vm.run('ip -4 addr show dev eth0'), /inet 10\.0\.2\.15\/24 brd 10\.0\.2\.255/);
        assert.match(await vm.run('ip route show default'), /default via 10\.0\.2\.2 dev eth0/);
        assert.match(await vm.run('cat /etc/resolv.conf'), /^nameserver 10\.0\.2\.3$/m);
        assert.doesNotMatch(await vm.run("docker ps -a --format '{{.Names}}'"), /^dhcp$/m);
        // QEMU's user network answers on its gateway: the address works.
        assert.match(await vm.run('ping -c 1 -W 5 10.0.2.2'), /1 packets received/);
      });
    } finally {
      vm.keepLog();
      await vm.stop();
    }
  });
});
