import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BootConsole, textSink } from '../console.ts';
import type { DockerdExit, DockerdHandle } from '../dockerd/spawn-dockerd.ts';
import { fakeSys, type FakeSys } from '../testing/fake-sys.ts';
import { LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART, type ShutdownRequest } from './actions.ts';
import type { BootedSystem, ShutdownContext } from './shutdown-context.ts';
import { ShutdownController } from './shutdown-controller.ts';

/**
 * A dockerd that records signals in `order` and exits `exitAfterMs` after SIGTERM
 * (never, when null: a container that ignores SIGTERM keeps it busy), and at once on SIGKILL.
 */
function fakeDockerd(order: string[], exitAfterMs: number | null): DockerdHandle {
  const controller = new AbortController();
  let resolveExit!: (exit: DockerdExit) => void;
  const exited = new Promise<DockerdExit>((resolve) => (resolveExit = resolve));
  const exit = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    child.signalCode = signal;
    controller.abort(`dockerd exited (signal ${signal})`);
    order.push(`dockerd exited (${signal})`);
    resolveExit({ code: null, signal });
  };
  const child = {
    exitCode: null as number | null,
    signalCode: null as NodeJS.Signals | null,
    kill(signal: NodeJS.Signals) {
      order.push(`dockerd ${signal}`);
      if (signal === 'SIGKILL') setImmediate(() => exit('SIGKILL'));
      else if (exitAfterMs !== null) setTimeout(() => exit(signal), exitAfterMs);
      return true;
    },
  };
  return { child: child as unknown as ChildProcess, pid: 4242, gone: controller.signal, exited };
}

/** A FakeSys whose calls also land in `order`, so they interleave with the other fakes. */
function orderedSys(order: string[]): FakeSys {
  const sys = fakeSys();
  for (const name of ['sync', 'umount2', 'mount', 'reboot', 'kill', 'dup2'] as const) {
    const original = sys[name] as (...args: unknown[]) => unknown;
    (sys as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      order.push(`${name}(${args.map((a) => (typeof a === 'number' && a > 0xffff ? `0x${a.toString(16)}` : String(a))).join(', ')})`);
      return original(...args);
    };
  }
  return sys;
}

interface Rig {
  dir: string;
  order: string[];
  lines: string[];
  sys: FakeSys;
  controller: ShutdownController;
  system: BootedSystem;
  cgroup: string;
  socket: string;
}

async function rig(
  t: { after(fn: () => void | Promise<void>): void },
  options: { exitAfterMs: number | null; graceMs?: number; system?: Partial<BootedSystem>; mountinfo?: string },
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'od-shutdown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const order: string[] = [];
  const lines: string[] = [];
  const sys = orderedSys(order);
  const console = new BootConsole(textSink((line) => lines.push(line)));
  // The API lists one running container.
  const socket = join(dir, 'docker.sock');
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    order.push(`API ${req.method} ${url}`);
    if (url.includes('io.only-docker.console')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ Id: 'c0de', Names: ['/console-ttyS0'] }]));
    } else if (req.method === 'POST') {
      res.writeHead(url.includes('/wait') ? 200 : 204, { 'Content-Type': 'application/json' }).end(url.includes('/wait') ? '{"StatusCode":129}' : '');
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ Id: 'abcdef0123456789', Names: ['/web'] }]));
    }
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const cgroup = join(dir, 'cgroup-docker');
  mkdirSync(join(cgroup, 'abcdef'), { recursive: true });
  writeFileSync(join(cgroup, 'abcdef/cgroup.procs'), '');
  mkdirSync(join(dir, 'proc'));
  mkdirSync(join(dir, 'fd'));
  const mountinfo = join(dir, 'mountinfo');
  writeFileSync(mountinfo, options.mountinfo ?? '');
  const system: BootedSystem = {
    dockerdSupervisor: { disableRestart: () => {}, current: fakeDockerd(order, options.exitAfterMs) },
    supervised: [
      { name: 'console on ttyS0', stop: async () => void order.push('stop console on ttyS0') },
      { name: 'host shell on tty2', stop: async () => void order.push('stop host shell on tty2') },
    ],
    ...options.system,
  };
  const controller = new ShutdownController({
    console,
    sys,
    context: (request: ShutdownRequest): ShutdownContext => ({
      console,
      sys,
      request,
      system,
      emergencyShell: { stop: () => void order.push('no more emergency shells') },
      paths: { dockerSocket: socket, proc: join(dir, 'proc'), dockerCgroup: cgroup, mountinfo, selfFd: join(dir, 'fd'), devNull: '/dev/null' },
      timing: {
        graceMs: options.graceMs ?? 2000,
        dockerdGraceMs: 300,
        killGraceMs: 100,
        supervisionGraceMs: 500,
        now: () => performance.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      selfPid: 1,
    }),
    watchdogMs: () => 20_000,
  });
  return { dir, order, lines, sys, controller, system, cgroup, socket };
}

const events = (lines: string[]) => lines.filter((l) => l.startsWith('{"od":"shutdown"')).map((l) => JSON.parse(l) as Record<string, unknown>);

test('poweroff: supervision, then containers through dockerd, dockerd, sync, the disk, reboot(POWER_OFF)', async (t) => {
  const r = await rig(t, {
    exitAfterMs: 30,
    system: { storage: { mode: 'disk', device: '/dev/vda', devno: '254:0', mountPoint: '/var/lib/docker', binds: ['/root', '/var/log'] } },
    mountinfo: [
      '22 1 0:20 / / rw - rootfs rootfs rw',
      '40 22 254:0 / /var/lib/docker rw,relatime - ext4 /dev/vda rw',
      '41 22 254:0 /.only-docker/root /root rw,relatime - ext4 /dev/vda rw',
      '42 22 254:0 /.only-docker/log /var/log rw,relatime - ext4 /dev/vda rw',
      '',
    ].join('\n'),
  });
  r.controller.request({ action: 'poweroff', source: 'poweroff (SIGUSR2)' });
  assert.ok(r.controller.signal.aborted);
  await r.controller.finished;
  assert.deepEqual(r.order, [
    'no more emergency shells',
    'stop console on ttyS0',
    'stop host shell on tty2',
    'API GET /containers/json?filters={"label":["io.only-docker.console"]}',
    'API POST /containers/c0de/kill?signal=SIGHUP',
    'API POST /containers/c0de/wait?condition=not-running',
    'API GET /containers/json',
    'dockerd SIGTERM',
    'dockerd exited (SIGTERM)',
    'sync()',
    'umount2(/var/log, 0)',
    'umount2(/root, 0)',
    'umount2(/var/lib/docker, 0)',
    'sync()',
    `reboot(0x${LINUX_REBOOT_CMD_POWER_OFF.toString(16)})`,
  ]);
  const shutdown = events(r.lines);
  assert.deepEqual(shutdown[0], { od: 'shutdown', status: 'start', action: 'poweroff', source: 'poweroff (SIGUSR2)' });
  assert.deepEqual(
    shutdown.filter((e) => e.step && e.status !== 'start').map((e) => `${e.step}:${e.status}`),
    ['stopSupervision:done', 'stopContainers:done', 'stopDockerd:skipped', 'stopContainerd:skipped', 'killRemaining:skipped', 'syncFilesystems:done', 'unmountDisk:done'],
  );
  assert.deepEqual(Object.keys(shutdown.at(-1)!), ['od', 'status', 'action', 'ms']);
  assert.equal(shutdown.at(-1)!.status, 'done');
  assert.ok(r.lines.includes('init: stopped: console on ttyS0, host shell on tty2, container console-ttyS0'), r.lines.join('\n'));
  assert.ok(r.lines.includes('init: dockerd (pid 4242) is stopping 1 running container (web); at most 2 s before they are killed'), r.lines.join('\n'));
});

test('a container that ignores SIGTERM is killed when the grace period ends; shutdown does not wait past it', async (t) => {
  const r = await rig(t, { exitAfterMs: null, graceMs: 400 });
  writeFileSync(join(r.cgroup, 'abcdef/cgroup.procs'), '777\n');
  const started = performance.now();
  r.controller.request({ action: 'reboot', source: 'reboot (SIGTERM)' });
  r.controller.request({ action: 'poweroff', source: 'power button (Power Button)' });
  await r.controller.finished;
  const took = performance.now() - started;
  // grace (400) + dockerd's own grace (300) + SIGKILL, with room for a slow machine.
  assert.ok(took >= 650 && took < 2500, `took ${took} ms`);
  assert.equal(readFileSync(join(r.cgroup, 'cgroup.kill'), 'utf8'), '1');
  assert.deepEqual(r.order.filter((o) => o.startsWith('dockerd')), ['dockerd SIGTERM', 'dockerd SIGTERM', 'dockerd SIGKILL', 'dockerd exited (SIGKILL)']);
  assert.equal(r.order.at(-1), `reboot(0x${LINUX_REBOOT_CMD_RESTART.toString(16)})`);
  assert.ok(r.lines.includes('init: warning: containers still running after 0.4 s were killed (1 processes)'), r.lines.join('\n'));
  // The second request changes nothing.
  assert.ok(r.lines.includes('init: power button (Power Button): already rebooting'));
  assert.equal(r.order.filter((o) => o.startsWith('reboot(')).length, 1);
});

test('RAM mode and no dockerd: nothing to stop or unmount, still synced and powered off', async (t) => {
  const r = await rig(t, { exitAfterMs: 0, system: { dockerdSupervisor: undefined, supervised: [], storage: { mode: 'ram', reason: 'no disk' } } });
  r.controller.request({ action: 'halt', source: 'halt (SIGUSR1)' });
  await r.controller.finished;
  assert.deepEqual(r.order, ['no more emergency shells', 'sync()', 'sync()', 'reboot(0xcdef0123)']);
  assert.deepEqual(
    events(r.lines).filter((e) => e.status === 'skipped').map((e) => e.step),
    ['stopSupervision', 'stopContainers', 'stopDockerd', 'stopContainerd', 'killRemaining', 'unmountDisk'],
  );
});

test('a shutdown step that hangs does not keep the machine up: the watchdog reboots', async (t) => {
  const order: string[] = [];
  const sys = orderedSys(order);
  const lines: string[] = [];
  const console = new BootConsole(textSink((line) => lines.push(line)));
  t.after(() => void 0);
  const controller = new ShutdownController({
    console,
    sys,
    context: (request) => ({ console, sys, request } as unknown as ShutdownContext),
    plan: [{ name: 'hang', required: false, run: () => new Promise<void>(() => {}) }],
    watchdogMs: () => 100,
  });
  controller.request({ action: 'poweroff', source: 'test' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(order, ['sync()', `reboot(0x${LINUX_REBOOT_CMD_POWER_OFF.toString(16)})`]);
  assert.ok(lines.includes('init: error: shutdown still not done after 0 s; powering off now'), lines.join('\n'));
});
