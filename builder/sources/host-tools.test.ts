import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHostTool, HostToolMissingError, requireHostTool } from './host-tools.ts';

test('findHostTool finds programs on PATH and in the sbin directories', () => {
  assert.equal(findHostTool('sh', { PATH: '' }), '/usr/bin/sh');
  assert.ok(findHostTool('ls'));
});

test('a missing tool is an error naming the Debian package to install', () => {
  assert.throws(
    () => requireHostTool('no-such-tool-od', 'od-tools'),
    (error: unknown) =>
      error instanceof HostToolMissingError && /apt-get install od-tools/.test(error.message) && error.tool === 'no-such-tool-od',
  );
});
