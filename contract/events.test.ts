import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleReady, formatEvent, parseEventLine, parseEventLines, shutdownEvents, stepFailed, swarmEvents } from './events.ts';

test('an event line cut by a kernel message is not an event; a prefixed one is', () => {
  assert.equal(parseEventLine('{"od":"step","name":"loadMo[   12.1] bridge: ok'), undefined);
  assert.deepEqual(parseEventLine('\u001b[0m{"od":"docker","status":"ready"}\r'), { od: 'docker', status: 'ready' });
  assert.equal(parseEventLine('plain text'), undefined);
});

test('key order is part of the format', () => {
  assert.equal(formatEvent(stepFailed('startDockerd', 49.4, 'gone')), '{"od":"step","name":"startDockerd","status":"failed","ms":49,"error":"gone"}');
  assert.equal(formatEvent(consoleReady('ttyS0', 38604.2, 'only-docker/console:0.1.0')), '{"od":"console","status":"ready","tty":"ttyS0","ms":38604,"image":"only-docker/console:0.1.0"}');
  assert.equal(
    formatEvent(shutdownEvents.fromStep({ od: 'step', name: 'stopContainers', status: 'done', ms: 2140 })),
    '{"od":"shutdown","step":"stopContainers","status":"done","ms":2140}',
  );
  assert.equal(formatEvent(swarmEvents.active('worker', 'n1', 'joined', 41020.6)), '{"od":"swarm","status":"active","role":"worker","nodeId":"n1","how":"joined","ms":41021}');
  assert.equal(formatEvent(swarmEvents.joining('10.9.0.11:2377', 'refused')), '{"od":"swarm","status":"joining","address":"10.9.0.11:2377","error":"refused"}');
});

test('a transcript gives its events in order, whatever else is on the console', () => {
  const transcript = 'init: hello\r\n{"od":"step","name":"a","status":"start"}\r\n[  1.0] kernel\n{"od":"boot","status":"done","ms":5}\n{"od":"cut';
  assert.deepEqual(parseEventLines(transcript), [
    { od: 'step', name: 'a', status: 'start' },
    { od: 'boot', status: 'done', ms: 5 },
  ]);
});
