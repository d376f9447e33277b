import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endChild, probeTerminal, spawnOnTerminal, spawnWithTerminal, TerminalUnavailableError } from './terminal.ts';

test('probeTerminal: a missing device and a non-device are unusable', () => {
  assert.throws(() => probeTerminal('/nonexistent-dev', 'ttyS0'), (e: unknown) => e instanceof TerminalUnavailableError && /no such device/.test(e.message));
  const dir = mkdtempSync(join(tmpdir(), 'od-tty-'));
  try {
    writeFileSync(join(dir, 'tty1'), '');
    assert.throws(() => probeTerminal(dir, 'tty1'), /not a character device/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (existsSync('/dev/null')) probeTerminal('/dev', 'null');
});

test('probeTerminal: a serial port whose sysfs type is 0 has no UART', () => {
  const dir = mkdtempSync(join(tmpdir(), 'od-tty-'));
  try {
    mkdirSync(join(dir, 'sys', 'ttyS1'), { recursive: true });
    writeFileSync(join(dir, 'sys', 'ttyS1', 'type'), '0\n');
    assert.throws(() => probeTerminal('/dev', 'ttyS1', join(dir, 'sys')), /\/dev\/ttyS1: no serial port behind it \(no UART found\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spawnOnTerminal runs the command through setsid with the device on stdio', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-tty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const device = join(dir, 'tty9');
  writeFileSync(device, '');
  // A stand-in for busybox: records its arguments and runs the command after `setsid -c`.
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, `#!/bin/sh\necho "args: $*" >&2\nshift 2\nexec "$@"\n`, { mode: 0o755 });
  const { child, ended } = await spawnOnTerminal({
    device,
    file: '/bin/sh',
    args: ['-c', 'echo "on the terminal $X"; exit 3'],
    env: { X: 'yes', PATH: '/usr/bin:/bin' },
    busybox,
    banner: 'hello\n',
  });
  assert.ok(child.pid);
  assert.deepEqual(await ended, { code: 3, signal: null });
  assert.equal(readFileSync(device, 'utf8'), 'hello\r\nargs: setsid -c /bin/sh -c echo "on the terminal $X"; exit 3\non the terminal yes\n');
});

test('spawnOnTerminal: an unopenable device is a TerminalUnavailableError; endChild terminates', async () => {
  await assert.rejects(
    spawnOnTerminal({ device: '/nonexistent/tty1', file: '/bin/sh', args: [], env: {}, busybox: '/bin/busybox' }),
    TerminalUnavailableError,
  );
  const { child, ended } = await spawnOnTerminal({ device: '/dev/null', file: 'sleep', args: ['30'], env: { PATH: '/usr/bin:/bin' }, busybox: '/usr/bin/env' });
  // /usr/bin/env runs "setsid -c sleep 30": setsid(1) from util-linux understands -c too.
  await endChild(child, ended, 1000);
  assert.notEqual((await ended).signal ?? (await ended).code, undefined);
});

test('spawnWithTerminal: setsid -c for a named terminal, cttyhack for /dev/console, the program alone without busybox', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-tty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const busybox = join(dir, 'busybox');
  writeFileSync(busybox, '#!/bin/sh\necho "busybox $*"\n', { mode: 0o755 });
  const run = async (ctty: 'setsid' | 'cttyhack', withBusybox: boolean) => {
    const out = join(dir, `out-${ctty}-${withBusybox}`);
    writeFileSync(out, '');
    const fd = openSync(out, 'r+');
    try {
      const child = spawnWithTerminal(fd, { file: '/bin/echo', args: ['hi'], env: {}, ctty, ...(withBusybox ? { busybox } : {}) });
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      closeSync(fd);
    }
    return readFileSync(out, 'utf8').trim();
  };
  assert.equal(await run('setsid', true), 'busybox setsid -c /bin/echo hi');
  assert.equal(await run('cttyhack', true), 'busybox cttyhack /bin/echo hi');
  assert.equal(await run('cttyhack', false), 'hi');
});
