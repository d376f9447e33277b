import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEntry, applyTable, CreatorError, isMountPoint, type CreatorEntry } from './creator.ts';
import { fakeSys } from '../testing/fake-sys.ts';

function tempRoot(t: { after(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'od-creator-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

test('dirs get their exact mode, links their target; both are idempotent', (t) => {
  const root = tempRoot(t);
  const sys = fakeSys();
  const entries: CreatorEntry[] = [
    { kind: 'dir', path: '/tmp', mode: 0o1777 },
    { kind: 'symlink', path: '/dev/fd', target: '/proc/self/fd' },
  ];
  assert.deepEqual(applyTable(entries, { sys, root }).results.map((r) => r.result), ['created', 'created']);
  assert.equal(statSync(join(root, 'tmp')).mode & 0o7777, 0o1777);
  assert.equal(readlinkSync(join(root, 'dev/fd')), '/proc/self/fd');
  assert.deepEqual(applyTable(entries, { sys, root }).results.map((r) => r.result), ['exists', 'exists']);
});

test('mount passes source, target under root, type, flags and data; empty data is NULL', (t) => {
  const root = tempRoot(t);
  const sys = fakeSys();
  applyEntry({ kind: 'dir', path: '/proc', mode: 0o555 }, { sys, root });
  const result = applyEntry({ kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: '' }, { sys, root });
  assert.equal(result, 'mounted');
  assert.deepEqual(sys.calls, [{ name: 'mount', args: ['proc', join(root, 'proc'), 'proc', 14, null] }]);
});

test('an already mounted target is not mounted again', () => {
  const sys = fakeSys();
  // The host's /proc is a mount point on every Linux this runs on.
  assert.equal(isMountPoint('/proc'), true);
  const result = applyEntry({ kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, data: '' }, { sys, root: '/' });
  assert.equal(result, 'already-mounted');
  assert.deepEqual(sys.calls, []);
});

test('EINVAL falls back to the next data string and warns', (t) => {
  const root = tempRoot(t);
  const sys = fakeSys();
  const warnings: string[] = [];
  sys.failNext('mount', 'EINVAL');
  const entry: CreatorEntry = { kind: 'mount', source: 'cgroup2', target: '/cg', fstype: 'cgroup2', flags: 0, data: 'nsdelegate', fallbackData: [''] };
  assert.equal(applyEntry(entry, { sys, root, warn: (m) => warnings.push(m) }), 'mounted');
  assert.deepEqual(sys.calls.map((c) => c.args[4]), ['nsdelegate', null]);
  assert.match(warnings[0]!, /refused "nsdelegate"/);
});

test('a failed required mount throws CreatorError with the errno; an optional one warns', (t) => {
  const root = tempRoot(t);
  const sys = fakeSys();
  sys.failNext('mount', 'ENODEV', 'ENODEV');
  const optional: CreatorEntry = { kind: 'mount', source: 'mqueue', target: '/mq', fstype: 'mqueue', flags: 0, data: '', optional: true };
  const required: CreatorEntry = { ...optional, optional: false };
  const warnings: string[] = [];
  const report = applyTable([optional], { sys, root, warn: (m) => warnings.push(m) });
  assert.equal(report.results[0]?.result, 'failed');
  assert.match(warnings[0]!, /mount mqueue on \/mq: mount\(.*\): ENODEV \(optional, going on\)/);
  assert.throws(
    () => applyTable([required], { sys, root }),
    (error: unknown) => error instanceof CreatorError && /ENODEV/.test(error.message) && (error.cause as { code: string }).code === 'ENODEV',
  );
});

test('dev entries call mknod with type bits and skip existing paths', (t) => {
  const root = tempRoot(t);
  const sys = fakeSys();
  const entry: CreatorEntry = { kind: 'dev', path: '/console', type: 'char', mode: 0o600, device: { major: 5, minor: 1 } };
  assert.equal(applyEntry(entry, { sys, root }), 'created');
  assert.deepEqual(sys.calls, [{ name: 'mknod', args: [join(root, 'console'), 0o020600, { major: 5, minor: 1 }] }]);
  symlinkSync('/nowhere', join(root, 'null'));
  assert.equal(applyEntry({ ...entry, path: '/null' }, { sys, root }), 'exists');
  assert.ok(lstatSync(join(root, 'null')).isSymbolicLink());
});
