import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable } from './printable.ts';
import { BootConsole, formatRecord, textSink } from '../console.ts';

test('control characters are shown, not sent to the terminal', () => {
  assert.equal(printable('nak: \u001b]0;owned\u0007\rhidden\u009b2J\u007f'), 'nak: \\x1b]0;owned\\x07\\x0dhidden\\x9b2J\\x7f');
  assert.equal(printable('tab\tand ümlaut stay'), 'tab\tand ümlaut stay');
});

test('every console line passes the sanitiser: messages, dockerd lines and events', () => {
  const lines: string[] = [];
  const console = new BootConsole(textSink((line) => lines.push(line)));
  console.info('dhcp: nak \u001b[2J');
  console.warn('a\rb');
  console.dockerd('\u001b[31mred');
  console.event({ od: 'dhcp', status: 'bound', interface: 'eth0\u009b', ip: '10.0.2.15', ms: 1 });
  assert.deepEqual(lines.slice(0, 3), ['init: dhcp: nak \\x1b[2J', 'init: warning: a\\x0db', 'dockerd: \\x1b[31mred']);
  assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(lines.join('')), lines.join('\n'));
  // An event stays valid JSON, with the value intact for whoever parses it.
  assert.equal(JSON.parse(lines[3]!).interface, 'eth0\u009b');
});

test('the sanitiser is in the one formatter every printing sink uses (the terminal and the init log)', () => {
  const lines = formatRecord({ kind: 'init', level: 'error', text: 'first\u001b]0;x\u0007\nsecond\r' });
  assert.deepEqual(lines, ['init: error: first\\x1b]0;x\\x07', 'init: error: second\\x0d']);
});
