import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootPlan } from './plan.ts';

test('the boot order of this slice', () => {
  assert.deepEqual(
    bootPlan.map((s) => s.name),
    [
      'mountPseudoFilesystems',
      'readConfig',
      'startLogging',
      'protectInit',
      'loadModules',
      'setHostname',
      'loopbackUp',
      'mountDockerDisk',
      'startHostShell',
      'createBridge',
      'prepareTls',
      'startDockerd',
      'loadBundledImages',
      'configureNetwork',
      'runDhcp',
      'refreshTls',
      'startConsole',
    ],
  );
});

test('only the mounts and dockerd are required', () => {
  assert.deepEqual(
    bootPlan.filter((s) => s.required).map((s) => s.name),
    ['mountPseudoFilesystems', 'startDockerd'],
  );
});

test('step names are unique camelCase', () => {
  const names = bootPlan.map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^[a-z][a-zA-Z0-9]*$/);
});
