import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootConsole, textSink } from '../console.ts';
import { fakeSys } from '../testing/fake-sys.ts';
import { LINUX_REBOOT_CMD_CAD_OFF, signalActions, type ShutdownRequest } from './actions.ts';
import type { PowerButtonWatcher } from './power-button.ts';
import { listenForShutdownRequests } from './shutdown-requests.ts';

test('busybox poweroff/reboot/halt, Ctrl-Alt-Del and SIGPWR become requests; CAD is handed to PID 1', (t) => {
  const signals = Object.keys(signalActions) as NodeJS.Signals[];
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  t.after(() => {
    for (const s of signals) {
      process.removeAllListeners(s);
      for (const listener of before.get(s)!) process.on(s, listener);
    }
  });
  const sys = fakeSys();
  const requests: ShutdownRequest[] = [];
  let started = false;
  listenForShutdownRequests({
    console: new BootConsole(textSink(() => {})),
    sys,
    request: (r) => requests.push(r),
    powerButton: { start: () => void (started = true) } as unknown as PowerButtonWatcher,
  });
  assert.deepEqual(sys.calls, [{ name: 'reboot', args: [LINUX_REBOOT_CMD_CAD_OFF] }]);
  assert.ok(started);
  for (const s of ['SIGUSR2', 'SIGTERM', 'SIGUSR1', 'SIGINT', 'SIGPWR'] as const) process.emit(s, s);
  assert.deepEqual(requests, [
    { action: 'poweroff', source: 'poweroff (SIGUSR2)' },
    { action: 'reboot', source: 'reboot (SIGTERM)' },
    { action: 'halt', source: 'halt (SIGUSR1)' },
    { action: 'reboot', source: 'Ctrl-Alt-Del (SIGINT)' },
    { action: 'poweroff', source: 'power failure (SIGPWR)' },
  ]);
});

test('a kernel that refuses CAD_OFF is reported, and the rest still listens', (t) => {
  const signals = Object.keys(signalActions) as NodeJS.Signals[];
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  t.after(() => {
    for (const s of signals) {
      process.removeAllListeners(s);
      for (const listener of before.get(s)!) process.on(s, listener);
    }
  });
  const sys = fakeSys();
  sys.failNext('reboot', 'EPERM');
  const lines: string[] = [];
  listenForShutdownRequests({
    console: new BootConsole(textSink((l) => lines.push(l))),
    sys,
    request: () => {},
    powerButton: { start: () => {} } as unknown as PowerButtonWatcher,
  });
  assert.deepEqual(lines, ['init: warning: Ctrl-Alt-Del will reset the machine without a clean shutdown: reboot(0): EPERM']);
});
