import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debFileName, parseDependsField, parseStanzas } from './deb822.ts';

test('parseStanzas reads fields and continuation lines', () => {
  const text = [
    'Package: runc',
    'Version: 1.1.5+ds1-1+deb12u1',
    'Description: Open Container Project - runtime',
    ' runc is a CLI tool',
    '',
    'Package: tini',
    'SHA256: abc',
    '',
  ].join('\n');
  const stanzas = parseStanzas(text);
  assert.equal(stanzas.length, 2);
  assert.equal(stanzas[0]!.Package, 'runc');
  assert.equal(stanzas[0]!.Description, 'Open Container Project - runtime\nrunc is a CLI tool');
  assert.equal(stanzas[1]!.SHA256, 'abc');
});

test('parseStanzas keeps only the asked fields, continuation lines included', () => {
  const text = 'Package: a\nDescription: x\n long text\nDepends: b,\n c\n\nPackage: b\nDescription: y\n';
  assert.deepEqual(parseStanzas(text, new Set(['Package', 'Depends'])), [{ Package: 'a', Depends: 'b,\nc' }, { Package: 'b' }]);
});

test('parseDependsField handles versions, alternatives and arch qualifiers', () => {
  const groups = parseDependsField('linux-image-6.1.0-56-amd64 (= 6.1.192-2), libc6 (>= 2.34), iptables | nftables, python3:any');
  assert.deepEqual(groups[0], [{ name: 'linux-image-6.1.0-56-amd64', relation: '=', version: '6.1.192-2' }]);
  assert.deepEqual(groups[1], [{ name: 'libc6', relation: '>=', version: '2.34' }]);
  assert.deepEqual(groups[2], [{ name: 'iptables' }, { name: 'nftables' }]);
  assert.deepEqual(groups[3], [{ name: 'python3', archQualifier: 'any' }]);
  assert.deepEqual(parseDependsField('a (> 1)'), [[{ name: 'a', relation: '>=', version: '1' }]]);
});

test('debFileName escapes the epoch colon like apt-get download', () => {
  assert.equal(debFileName('libdevmapper1.02.1', '2:1.02.185-2', 'amd64'), 'libdevmapper1.02.1_2%3a1.02.185-2_amd64.deb');
});
