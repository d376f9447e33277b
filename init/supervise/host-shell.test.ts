import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostShell } from './host-shell.ts';
import type { RunEnd } from './life.ts';
import type { TerminalCommand } from './terminal.ts';

test('the host shell is a login shell on tty2, respawned when it exits', async () => {
  const commands: TerminalCommand[] = [];
  const lines: string[] = [];
  const shell = hostShell({
    tty: 'tty2',
    devDir: '/dev',
    busybox: '/bin/busybox',
    minDelayMs: 10,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`) },
    spawn: async (command) => {
      commands.push(command);
      const child = spawn('/bin/sh', ['-c', 'exit 0']);
      return { child, ended: new Promise<RunEnd>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
    },
  });
  shell.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await shell.stop();
  assert.ok(commands.length >= 2, `${commands.length} lives`);
  assert.equal(commands[0]!.device, '/dev/tty2');
  assert.deepEqual([commands[0]!.file, ...commands[0]!.args], ['/bin/sh', '-l']);
  assert.equal(commands[0]!.cwd, '/root');
  assert.match(commands[0]!.banner!, /outside every container/);
  assert.match(lines[0]!, /^host shell on tty2 exited \(code 0\) after \d+ ms; starting it again in/);
});
