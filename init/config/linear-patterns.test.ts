import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

// The command line is parsed before any shell or shutdown handler exists: a pattern
// that backtracks exponentially hangs PID 1 for hours on a value of forty characters.
// The parse runs in a child process so that such a hang fails this test (a timer cannot
// fire while a regular expression holds the event loop) instead of stalling the run.
// The bounds are generous: they catch exponential time, they do not measure speed.

function parseInChild(script: string, timeoutMs: number): { timedOut: boolean; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { timedOut: result.signal === 'SIGKILL', stdout: result.stdout, stderr: result.stderr };
}

test('od.disk.format with the 40-character value from the review parses in milliseconds', () => {
  const value = `/dev/sd${'a'.repeat(32)}-`;
  assert.equal(value.length, 40);
  const { timedOut, stdout, stderr } = parseInChild(
    `import { parseConfig } from './options.ts';
     const started = performance.now();
     const { config, problems } = parseConfig(${JSON.stringify(`od.disk.format=${value}`)});
     console.log(JSON.stringify({ ms: performance.now() - started, format: config.disk.format, problems: problems.length }));`,
    30_000,
  );
  assert.ok(!timedOut, 'parsing od.disk.format did not finish in 30 s: the pattern backtracks exponentially');
  const result = JSON.parse(stdout) as { ms: number; format: string | null; problems: number };
  assert.equal(result.format, null, stderr);
  assert.equal(result.problems, 1);
  assert.ok(result.ms < 500, `took ${result.ms} ms`);
});

test('every option parses hostile values of command-line length in linear time', () => {
  // Repeated pieces that the options' patterns accept, ended by a character that makes
  // the whole value fail: the shape that makes a backtracking pattern try every split.
  const { timedOut, stdout, stderr } = parseInChild(
    `import { parseConfig } from './options.ts';
     import { optionTable } from './option-table.ts';
     const pieces = ['a', '0', 'a-', 'a.', '/a', 'a/', 'a_', '-', '.', '__', 'a:', '0.', 'tty0,', 'a0-', "'a "];
     const prefixes = ['', '/dev/', 'tty', '1.2.3.4/'];
     const ends = ['!', '-', '/', ''];
     let slowest = { ms: 0, value: '' };
     for (const { key } of optionTable) {
       for (const piece of pieces) for (const prefix of prefixes) for (const end of ends) {
         // The kernel keeps at most 2048 bytes of command line (COMMAND_LINE_SIZE on x86).
         const value = prefix + piece.repeat(Math.floor((2000 - prefix.length) / piece.length)) + end;
         const started = performance.now();
         parseConfig(key + '=' + value);
         const ms = performance.now() - started;
         if (ms > slowest.ms) slowest = { ms, value: key + '=' + value.slice(0, 40) };
       }
     }
     console.log(JSON.stringify(slowest));`,
    60_000,
  );
  assert.ok(!timedOut, 'parsing hostile values did not finish in 60 s: a pattern backtracks exponentially');
  const slowest = JSON.parse(stdout) as { ms: number; value: string };
  assert.ok(slowest.ms < 500, `${slowest.value}... took ${slowest.ms} ms ${stderr}`);
});

test('every value of the user configuration file parses hostile values of the size limit in linear time', () => {
  // The same shapes, as long as one source may be: each field in turn gets the value.
  const { timedOut, stdout, stderr } = parseInChild(
    `import { parseUserConfig } from './user-config/parse-user-config.ts';
     const fields = [
       (v) => ({ hostname: v }),
       (v) => ({ docker: { env: { [v]: v } } }),
       (v) => ({ services: [{ name: v, image: v, ports: [v], volumes: [v], user: v, network: v }] }),
       (v) => ({ files: [{ path: v, mode: v, content: v, encoding: 'base64' }] }),
       (v) => ({ ssh: { authorized_keys: ['ssh-ed25519 ' + v, v] } }),
       (v) => ({ ntp: { servers: [v] } }),
       (v) => ({ swarm: { join: { address: v, token: v }, advertise: v } }),
       (v) => ({ interfaces: [{ name: v, address: v }] }),
     ];
     const pieces = ['a', '0', 'a-', 'a.', '/a', 'a/', 'a_', '-', '.', '__', 'a:', '0.', '0:', ' ', 'A=', '/..'];
     const ends = ['!', '-', '/', ':', '\\\\n', ''];
     let slowest = { ms: 0, value: '' };
     for (const field of fields) for (const piece of pieces) for (const end of ends) {
       const value = piece.repeat(Math.floor(50000 / piece.length)) + end;
       const text = JSON.stringify(field(value));
       const started = performance.now();
       parseUserConfig(text, 'hostile');
       const ms = performance.now() - started;
       if (ms > slowest.ms) slowest = { ms, value: text.slice(0, 60) };
     }
     console.log(JSON.stringify(slowest));`,
    240_000,
  );
  assert.ok(!timedOut, 'parsing hostile values did not finish: a pattern backtracks');
  const slowest = JSON.parse(stdout) as { ms: number; value: string };
  assert.ok(slowest.ms < 1000, `${slowest.value}... took ${slowest.ms} ms ${stderr}`);
});
