import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootConsole, textSink } from './console.ts';
import { EmergencyShell } from './emergency-shell.ts';

test('the shell runs on the console device and is respawned when it exits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'od-shell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const consoleDevice = join(dir, 'console');
  writeFileSync(consoleDevice, '');
  const lines: string[] = [];
  const shell = new EmergencyShell({
    console: new BootConsole(textSink((line) => lines.push(line))),
    consoleDevice,
    shell: '/bin/sh',
    busybox: join(dir, 'no-busybox'),
    respawnDelayMs: 10,
  });
  // The "console" is a file: the shell reads end-of-file at once and exits.
  shell.start();
  shell.start(); // idempotent
  await new Promise((resolve) => setTimeout(resolve, 1500));
  shell.stop();
  const exits = lines.filter((l) => l.startsWith('init: emergency shell exited (code 0)'));
  assert.ok(exits.length >= 2, lines.join('\n'));
  assert.match(lines[0]!, /^init: emergency shell on .*console \(pid \d+\); the init stays PID 1$/);
  // The shell's prompt went to the console device.
  assert.match(readFileSync(consoleDevice, 'utf8'), /only-docker \(emergency\) # |^$/);
});
