import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './options.ts';

test('the remote API is off unless asked for', () => {
  assert.deepEqual(parseConfig('console=ttyS0').config.remote, { tls: false, insecure: false });
});

test('od.remote=tls turns on TLS; bare and flag words mean the same, off words turn it off', () => {
  for (const value of ['od.remote=tls', 'od.remote', 'od.remote=on', 'od.remote=1', 'od.remote=TLS']) {
    const { config, problems } = parseConfig(value);
    assert.deepEqual(config.remote, { tls: true, insecure: false }, value);
    assert.deepEqual(problems, []);
  }
  for (const value of ['od.remote=off', 'od.remote=0', 'od.remote=none', 'od.remote=tls od.remote=off']) {
    assert.equal(parseConfig(value).config.remote.tls, false, value);
  }
});

test('a bad od.remote value is reported and the remote API stays off', () => {
  const { config, problems } = parseConfig('od.remote=tls od.remote=plain');
  assert.equal(config.remote.tls, false);
  assert.equal(problems.length, 1);
  assert.match(JSON.stringify(problems[0]), /expected tls or off/);
});

test('od.remote.insecure is a flag of its own', () => {
  assert.deepEqual(parseConfig('od.remote.insecure').config.remote, { tls: false, insecure: true });
  assert.deepEqual(parseConfig('od.remote=tls od.remote.insecure=1').config.remote, { tls: true, insecure: true });
  assert.equal(parseConfig('od.remote.insecure=maybe').config.remote.insecure, false);
});

test('a parsed config does not share its remote settings with the defaults', () => {
  const a = parseConfig('od.remote=tls').config;
  const b = parseConfig('').config;
  assert.equal(b.remote.tls, false);
  assert.notEqual(a.remote, b.remote);
});
