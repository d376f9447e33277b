import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EV_KEY, hasKey, INPUT_EVENT_SIZE, isPowerPress, KEY_POWER, parseInputEvents, PowerButtonWatcher } from './power-button.ts';

function inputEvent(type: number, code: number, value: number): Buffer {
  const buffer = Buffer.alloc(INPUT_EVENT_SIZE);
  buffer.writeBigInt64LE(1_700_000_000n, 0);
  buffer.writeBigInt64LE(123_456n, 8);
  buffer.writeUInt16LE(type, 16);
  buffer.writeUInt16LE(code, 18);
  buffer.writeInt32LE(value, 20);
  return buffer;
}

test('capabilities/key bitmaps: the ACPI power button, a keyboard, a mouse', () => {
  // As the kernel prints them for QEMU's LNXPWRBN and an AT keyboard.
  assert.ok(hasKey('10000000000000 0', KEY_POWER));
  assert.ok(hasKey('402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe', KEY_POWER));
  assert.ok(!hasKey('1f0000 0 0 0 0', KEY_POWER));
  assert.ok(!hasKey('0', KEY_POWER));
  assert.ok(!hasKey('', KEY_POWER));
});

test('input events: a press of KEY_POWER, not its release or other keys', () => {
  const events = parseInputEvents(
    Buffer.concat([inputEvent(EV_KEY, KEY_POWER, 1), inputEvent(0, 0, 0), inputEvent(EV_KEY, KEY_POWER, 0), inputEvent(EV_KEY, 30, 1)]),
  );
  assert.deepEqual(events, [
    { type: 1, code: 116, value: 1 },
    { type: 0, code: 0, value: 0 },
    { type: 1, code: 116, value: 0 },
    { type: 1, code: 30, value: 1 },
  ]);
  assert.deepEqual(events.map(isPowerPress), [true, false, false, false]);
});

test('the watcher finds the device with KEY_POWER, reads it without blocking, and reports a press', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'od-input-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const sysClassInput = join(root, 'class/input');
  const devInput = join(root, 'dev/input');
  mkdirSync(devInput, { recursive: true });
  for (const [node, name, keys] of [
    ['event0', 'Power Button', '10000000000000 0'],
    ['event1', 'ImExPS/2 Generic Explorer Mouse', '1f0000 0 0 0 0'],
  ] as const) {
    mkdirSync(join(sysClassInput, node, 'device/capabilities'), { recursive: true });
    writeFileSync(join(sysClassInput, node, 'device/name'), `${name}\n`);
    writeFileSync(join(sysClassInput, node, 'device/capabilities/key'), `${keys}\n`);
    // A FIFO behaves like an event device here: reads without a writer would block.
    execFileSync('mkfifo', [join(devInput, node)]);
  }
  const presses: string[] = [];
  const watcher = new PowerButtonWatcher({ onPress: (name) => presses.push(name), sysClassInput, devInput, pollMs: 10, rescanMs: 10 });
  watcher.tick();
  t.after(() => watcher.stop());
  assert.deepEqual(watcher.devices, ['event0']);
  watcher.tick(); // nothing to read: EAGAIN, no block
  const writer = openSync(join(devInput, 'event0'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(writer, Buffer.concat([inputEvent(EV_KEY, KEY_POWER, 1), inputEvent(EV_KEY, KEY_POWER, 0)]));
  watcher.tick();
  closeSync(writer);
  assert.deepEqual(presses, ['Power Button']);
});
