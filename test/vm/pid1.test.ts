// PID 1's duties under QEMU TCG, typed at the console like a person would: reaping
// orphan storms, dockerd restarted after kill -9 (and the console with it), the custom
// bridge, the storage driver, logs and the boot timeline readable from the console, a
// garbage option ignored; then od.debug, then a required step that fails and the
// emergency shell. Three boots; the checks of the first run in order on one machine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { check, QemuVm, type OdEvent } from './harness/qemu-vm.ts';
import { waitForConsolePrompt } from './harness/storage-checks.ts';
import { dockerVersionLine } from './harness/fixtures.ts';

// busybox ash may follow its prompt with a cursor position query (ESC [ 6 n).
const prompt = /\[only-docker console\] [^\n]*# (\x1b\[6n)?$/;
const emergencyPrompt = /only-docker \(emergency\) # (\x1b\[6n)?$/;
const bootTimeoutMs = 300_000;
const image = 'only-docker/dhcp:latest';

/** The n-th event that matches (1 = the first), waiting for it. */
async function nthEvent(vm: QemuVm, predicate: (e: OdEvent) => boolean, n: number, timeoutMs: number, what: string): Promise<OdEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = vm.events().filter(predicate);
    if (found.length >= n) return found[n - 1]!;
    if (Date.now() > deadline) throw new Error(`no ${what} #${n} within ${timeoutMs / 1000} s`);
    if (!vm.running) throw new Error(`QEMU exited before ${what} #${n}`);
    await vm.waitFor(/\{"od":/, Math.max(1, Math.min(5000, deadline - Date.now())), vm.serial.length).catch(() => undefined);
  }
}

const consoleReady = (e: OdEvent) => e.od === 'console' && e.status === 'ready' && e.tty === 'ttyS0';

/** Waits for a shell prompt after `from`, pressing Enter until it shows (init lines may land after it). */
async function waitForPrompt(vm: QemuVm, pattern: RegExp, from: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await vm.waitFor(pattern, 5_000, from);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no prompt ${pattern} within ${timeoutMs / 1000} s`);
      from = vm.serial.length;
      vm.type('\n');
    }
  }
}

/**
 * What a command printed. The terminal wraps a long typed line, so the echo of the
 * command is not one line to skip: a start marker (split in the typed line, whole only
 * in the output) says where the output begins.
 */
async function sh(vm: QemuVm, command: string, timeoutMs?: number): Promise<string> {
  const marker = `__start_${Math.random().toString(36).slice(2, 8)}`;
  const text = (await vm.run(`echo "${marker.slice(0, 5)}""${marker.slice(5)}"; ${command}`, timeoutMs)).replace(/\r/g, '');
  // The marker's own line, not the echo of the typed command (where it is split).
  const at = text.search(new RegExp(`^${marker}$`, 'm'));
  return at < 0 ? text : text.slice(at + marker.length).trim();
}

/** Output lines of a command, without empty ones. */
async function lines(vm: QemuVm, command: string, timeoutMs?: number): Promise<string[]> {
  return (await sh(vm, command, timeoutMs)).split('\n').filter((l) => l.trim() !== '');
}

// "pid state ppid" of every process, from /proc/*/stat (the name in parentheses may hold
// spaces); the zombies whose parent is PID 1.
const zombiesOfInit =
  `cat /proc/[0-9]*/stat 2>/dev/null | sed -E 's/^([0-9]+) \\(.*\\) ([A-Za-z]) ([0-9]+) .*/\\1 \\2 \\3/' | awk '$2=="Z" && $3==1 {print "zombie", $1}'`;

/**
 * No zombie of PID 1 that stays: one can exist for the instant between its exit and
 * the reaper's pass, so a few looks a second apart must find none at least once, and
 * none may be seen twice.
 */
async function assertNoZombiesOfInit(vm: QemuVm, when: string): Promise<void> {
  const seen = new Map<string, number>();
  for (let look = 0; look < 4; look++) {
    const zombies = (await lines(vm, zombiesOfInit)).filter((l) => l.startsWith('zombie '));
    if (zombies.length === 0) return;
    for (const z of zombies) {
      seen.set(z, (seen.get(z) ?? 0) + 1);
      assert.ok(seen.get(z)! < 2, `${when}: ${z} (parent PID 1) is still there a second later: not reaped`);
    }
    await sh(vm, 'sleep 1');
  }
  assert.fail(`${when}: zombies of PID 1 at every look: ${[...seen.keys()].join(', ')}`);
}

/** PID 1's CPU time so far (user + system, in clock ticks of 10 ms). */
async function initCpuTicks(vm: QemuVm): Promise<number> {
  const [line] = await lines(vm, `sed -E 's/^.*\\) //' /proc/1/stat | awk '{print $12 + $13}'`);
  return Number(line);
}

describe('PID 1: reaping, supervision, custom bridge, logs (one boot)', { timeout: 1_500_000 }, () => {
  let vm: QemuVm;
  const measured: string[] = [];

  before(async () => {
    const started = Date.now();
    vm = await QemuVm.bootToInit({
      name: 'pid1',
      append: [
        'od.console=ttyS0',
        'od.bip=172.30.0.1/24',
        'od.bridge=br-od',
        // Garbage: reported, defaults used, the boot goes on.
        'od.dockerd.timeout=banana',
        'od.log=loud',
        'od.frobnicate=1',
      ].join(' '),
    });
    await check(vm, async () => {
      await waitForConsolePrompt(vm, bootTimeoutMs);
    });
    measured.push(`console prompt ${((Date.now() - started) / 1000).toFixed(1)} s after QEMU started`);
  });

  after(async () => {
    if (measured.length) console.log(`measured:\n  ${measured.join('\n  ')}`);
    vm?.keepLog();
    await vm?.stop();
  });

  it('reports a garbage option value and an unknown option, uses the defaults, and boots on', async () => {
    await check(vm, async () => {
      assert.match(vm.serial, /init: warning: bad value od\.dockerd\.timeout="banana": expected a number of seconds.*using the default \(120s\)/);
      assert.match(vm.serial, /init: warning: bad value od\.log="loud": expected one of file, console, both; using the default/);
      assert.match(vm.serial, /init: warning: unknown option od\.frobnicate="1" ignored/);
      const boot = vm.events().find((e) => e.od === 'boot');
      assert.equal(boot?.status, 'done');
    });
  });

  it('od.bridge + od.bip: the init made the bridge with that address, dockerd uses it, containers get addresses from it', async () => {
    await check(vm, async () => {
      assert.match(vm.serial, /init: bridge br-od created with 172\.30\.0\.1\/24; dockerd gets -b br-od/);
      assert.match(vm.serial, /init: dockerd started \(pid \d+, args: [^)]*-b br-od/);
      const addr = await sh(vm, 'ip -4 -o addr show br-od');
      assert.match(addr, /inet 172\.30\.0\.1\/24/);
      const network = await sh(vm, `docker network inspect bridge -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Options "com.docker.network.bridge.name"}}'`);
      assert.match(network, /172\.30\.0\.0\/24 172\.30\.0\.1 br-od/);
      const container = await sh(vm, `docker run --rm --entrypoint ip ${image} -4 -o addr show eth0`, 120_000);
      assert.match(container, /inet 172\.30\.0\.\d+\/24/);
      assert.doesNotMatch(await sh(vm, 'ls /sys/class/net'), /docker0/, 'no docker0 beside the custom bridge');
    });
  });

  it('eighteen docker run --rm, three at a time, leave no zombie of PID 1', async () => {
    await check(vm, async () => {
      const cpuBefore = await initCpuTicks(vm);
      const started = Date.now();
      // Three lanes of six at once: shims come and go while others start, as on a busy host
      // (eighteen exit paths are as many chances for a zombie; thirty cost make test 3 minutes).
      const lane = `i=0; while [ $i -lt 6 ]; do docker run --rm --entrypoint true ${image} || echo FAILED; i=$((i+1)); done`;
      const out = await sh(vm, `(${lane}) & (${lane}) & (${lane}) & wait`, 900_000);
      assert.doesNotMatch(out, /FAILED/);
      const cpu = (await initCpuTicks(vm)) - cpuBefore;
      measured.push(`18 x docker run --rm, 3 at a time: ${((Date.now() - started) / 1000).toFixed(1)} s, PID 1 CPU ${cpu * 10} ms`);
      await assertNoZombiesOfInit(vm, 'after 18 docker run --rm');
    });
  });

  it('a --pid host container orphaning 100 sleeps leaves no zombie of PID 1', async () => {
    await check(vm, async () => {
      const out = await sh(vm, 
        `docker run --rm --pid host --entrypoint sh ${image} -c 'i=0; while [ $i -lt 100 ]; do (sleep 1 &); i=$((i+1)); done; echo forked $i; sleep 2'`,
        300_000,
      );
      assert.match(out, /forked 100/);
      await sh(vm, 'sleep 2');
      await assertNoZombiesOfInit(vm, 'after the --pid host orphan storm');
    });
  });

  it('container processes whose shim was killed become orphans of PID 1 and are reaped', async () => {
    await check(vm, async () => {
      const cpuBefore = await initCpuTicks(vm);
      await sh(vm, `for i in 1 2 3 4 5; do docker run -d --name orphan$i --entrypoint sleep ${image} 1000 >/dev/null; done`, 300_000);
      // Kill each container's shim: its process goes to the next subreaper up, PID 1;
      // then kill the process, so that PID 1 has zombies to reap that it never started.
      // containerd is stopped meanwhile, or it would clean up after the dead shims first.
      const reparented = await lines(
        vm,
        [
          `pids=""; for i in 1 2 3 4 5; do pids="$pids $(docker inspect -f '{{.State.Pid}}' orphan$i)"; done`,
          'c=$(pidof containerd); kill -STOP $c',
          `for p in $pids; do kill -9 $(awk '{print $4}' /proc/$p/stat); done; sleep 1`,
          `for p in $pids; do echo "ppid $(awk '{print $4}' /proc/$p/stat)"; kill -9 $p; done`,
          'sleep 1; kill -CONT $c',
        ].join('; '),
        120_000,
      );
      assert.deepEqual(reparented, ['ppid 1', 'ppid 1', 'ppid 1', 'ppid 1', 'ppid 1'], 'each container process was re-parented to PID 1');
      await assertNoZombiesOfInit(vm, 'after killing shims and their containers');
      measured.push(`5 orphans of PID 1 from killed shims: PID 1 CPU ${((await initCpuTicks(vm)) - cpuBefore) * 10} ms`);
      await sh(vm, 'docker rm -f orphan1 orphan2 orphan3 orphan4 orphan5 >/dev/null 2>&1; true', 120_000);
    });
  });

  it("dockerd's and the init's logs and the boot timeline are readable from the console", async () => {
    await check(vm, async () => {
      const listing = await sh(vm, 'ls /var/log');
      assert.match(listing, /docker\.log/);
      assert.match(listing, /only-docker-init\.log/);
      assert.match(await sh(vm, 'grep -c "level=info" /var/log/docker.log'), /^\d+$/m);
      assert.match(await sh(vm, 'head -n 1 /var/log/only-docker-init.log'), /^\d{4}-\d\d-\d\dT[\d:.]+Z init: only-docker init .* running as PID 1/m);
      assert.match(await sh(vm, 'grep -c \'{"od":"step"\' /var/log/only-docker-init.log'), /^\d{2,}$/m);
      const json = (await sh(vm, 'cat /run/only-docker/boot-timeline.json')).replace(/\r/g, '');
      const doc = JSON.parse(json.slice(json.indexOf('{'))) as {
        steps: { name: string; status: string; startMs: number; ms?: number }[];
        milestones: { name: string; atMs: number }[];
        initExecUptimeMs: number | null;
      };
      const dockerd = doc.steps.find((s) => s.name === 'startDockerd');
      assert.equal(dockerd?.status, 'done');
      assert.ok(dockerd.startMs > 0 && (dockerd.ms ?? 0) > 0);
      for (const name of ['docker.ready', 'console.ready', 'boot.done']) {
        assert.ok(doc.milestones.some((m) => m.name === name), `milestone ${name}: ${JSON.stringify(doc.milestones)}`);
      }
      assert.equal(typeof doc.initExecUptimeMs, 'number');
      measured.push(`timeline: ${doc.steps.map((s) => `${s.name}@${s.startMs}+${s.ms}`).join(' ')}`);
    });
  });

  it('kill -9 of dockerd: it is restarted, the API answers, containers with a restart policy and the console come back', async () => {
    await check(vm, async () => {
      await sh(vm, `docker run -d --restart always --name keeper --entrypoint sleep ${image} 100000 >/dev/null`, 120_000);
      const consolesBefore = vm.events().filter(consoleReady).length;
      const from = vm.serial.length;
      const killedAt = Date.now();
      // The console dies with dockerd (its CLI loses the connection): no marker to wait for.
      vm.type('kill -9 $(pidof dockerd)\n');
      const exited = await nthEvent(vm, (e) => e.od === 'dockerd' && e.status === 'exited', 1, 60_000, 'dockerd exited');
      assert.equal(exited.signal, 'SIGKILL');
      const restarted = await nthEvent(vm, (e) => e.od === 'dockerd' && e.status === 'restarted', 1, 180_000, 'dockerd restarted');
      const apiBackS = (Date.now() - killedAt) / 1000;
      assert.equal(restarted.attempt, 1);
      await nthEvent(vm, consoleReady, consolesBefore + 1, 180_000, 'console ready again');
      await waitForPrompt(vm, prompt, from);
      const consoleBackS = (Date.now() - killedAt) / 1000;
      measured.push(`kill -9 dockerd: API back after ${apiBackS.toFixed(1)} s (event ms ${restarted.ms}), console prompt after ${consoleBackS.toFixed(1)} s`);
      assert.match(await sh(vm, `docker version -f '{{.Server.Version}}'`), dockerVersionLine);
      // dockerd brings back restart-policy containers as it starts; give it a moment.
      let status = '';
      for (let i = 0; i < 20 && !/^Up/m.test(status); i++) {
        status = await sh(vm, `docker ps --filter name=keeper --format '{{.Status}}'; sleep 1`);
      }
      assert.match(status, /^Up/m, 'the container with --restart always runs again');
      await assertNoZombiesOfInit(vm, 'after the dockerd restart');
      assert.doesNotMatch(vm.serial, /Kernel panic/);
    });
  });
});

describe('PID 1: od.debug and od.storage.driver (one boot)', { timeout: 600_000 }, () => {
  it("shows dockerd's debug output and every step's detail on the console; dockerd runs the storage driver asked for", async () => {
    const vm = await QemuVm.bootToInit({ name: 'pid1-debug', append: 'od.debug od.storage.driver=vfs od.console=none' });
    try {
      await check(vm, async () => {
        await nthEvent(vm, (e) => e.od === 'boot', 1, bootTimeoutMs, 'boot end');
        assert.match(vm.serial, /init: dockerd started \(pid \d+, args: --containerd=\S+ --debug --storage-driver vfs --log-opt max-size=10m --log-opt max-file=3\)/);
        // dockerd's own word, at its start: "Docker daemon ... storage-driver=vfs" (Docker 26;
        // 20.10 said graphdriver(s)=vfs).
        assert.match(vm.serial, /^dockerd: .*msg="Docker daemon".*(storage-driver|graphdriver\(s\))=vfs/m);
        assert.match(vm.serial, /^dockerd: time="[^"]+" level=debug msg=/m, "dockerd's debug lines on the console");
        assert.match(vm.serial, /^init: debug: kernel command line: /m);
        assert.match(vm.serial, /^init: debug: \/_ping answered after \d+ attempts/m);
        assert.match(vm.serial, /init: logs: .*; dockerd on the console too/);
      });
    } finally {
      vm.keepLog();
      await vm.stop();
    }
  });
});

describe('PID 1: a required step fails (one boot)', { timeout: 600_000 }, () => {
  it('says what failed and why, then an emergency shell that works; no kernel panic', async () => {
    // A wait long enough for Docker 26's dockerd to start and refuse the flag under TCG:
    // the check is that its exit is reported, not a timeout.
    const vm = await QemuVm.bootToInit({ name: 'pid1-fatal', append: 'od.dockerd.args=--bogus-flag od.dockerd.timeout=60' });
    try {
      await check(vm, async () => {
        await waitForPrompt(vm, emergencyPrompt, 0, bootTimeoutMs);
        const failed = vm.events().find((e) => e.od === 'step' && e.name === 'startDockerd' && e.status === 'failed');
        assert.ok(failed, 'the startDockerd failed event');
        assert.match(String(failed.error), /dockerd exited \(code \d+\)/);
        assert.match(vm.serial, /^dockerd: .*unknown flag: --bogus-flag/m, "dockerd's own reason on the console");
        assert.match(vm.serial, /init: error: boot failed: step startDockerd failed/);
        assert.match(vm.serial, /the boot cannot go on; dropping to an emergency shell/);
        assert.ok(vm.events().some((e) => e.od === 'boot' && e.status === 'failed'));

        assert.match(await sh(vm, 'echo $$'), /^\d+$/m);
        const ps = await sh(vm, 'ps');
        assert.match(ps, /^\s*1 \S+\s+.*init/m, `PID 1 is the init:\n${ps}`);
        const timeline = (await sh(vm, 'cat /run/only-docker/boot-timeline.json')).replace(/\r/g, '');
        const doc = JSON.parse(timeline.slice(timeline.indexOf('{'))) as { steps: { name: string; status: string }[] };
        assert.equal(doc.steps.find((s) => s.name === 'startDockerd')?.status, 'failed');
        assert.match(await sh(vm, 'grep -c bogus /var/log/docker.log'), /^[1-9]\d*$/m);
        assert.doesNotMatch(vm.serial, /Kernel panic/);
      });
    } finally {
      vm.keepLog();
      await vm.stop();
    }
  });
});
