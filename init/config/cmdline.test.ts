import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitArgs, tokenizeCmdline } from './cmdline.ts';

test('splits on whitespace, bare flags become true', () => {
  assert.deepEqual(tokenizeCmdline('console=ttyS0  quiet\tod.debug\n'), [
    { key: 'console', value: 'ttyS0' },
    { key: 'quiet', value: true },
    { key: 'od.debug', value: true },
  ]);
});

test('a quoted value keeps its spaces and loses its quotes', () => {
  assert.deepEqual(tokenizeCmdline('od.dockerd.args="--debug --log-level=info" ro'), [
    { key: 'od.dockerd.args', value: '--debug --log-level=info' },
    { key: 'ro', value: true },
  ]);
});

test('a parameter quoted as a whole loses the outer quotes', () => {
  assert.deepEqual(tokenizeCmdline('"od.hostname=box one" x'), [
    { key: 'od.hostname', value: 'box one' },
    { key: 'x', value: true },
  ]);
  assert.deepEqual(tokenizeCmdline('"od.debug"'), [{ key: 'od.debug', value: true }]);
});

test('only the first = separates key and value', () => {
  assert.deepEqual(tokenizeCmdline('od.dockerd.args=--bip=10.1.0.1/24'), [
    { key: 'od.dockerd.args', value: '--bip=10.1.0.1/24' },
  ]);
});

test('empty value and an unterminated quote run to the end, like the kernel', () => {
  assert.deepEqual(tokenizeCmdline('od.hostname= od.dockerd.args="a b'), [
    { key: 'od.hostname', value: '' },
    { key: 'od.dockerd.args', value: 'a b' },
  ]);
});

test('empty command line', () => {
  assert.deepEqual(tokenizeCmdline(''), []);
  assert.deepEqual(tokenizeCmdline('   \n'), []);
});

test('splitArgs groups single-quoted words and reports unterminated quotes', () => {
  assert.deepEqual(splitArgs("--label 'a b' --debug"), ['--label', 'a b', '--debug']);
  assert.deepEqual(splitArgs("--x=''"), ['--x=']);
  assert.deepEqual(splitArgs("''"), ['']);
  assert.deepEqual(splitArgs('   '), []);
  assert.deepEqual(splitArgs("'oops"), { error: 'unterminated single quote' });
});
