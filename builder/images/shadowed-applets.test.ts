import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { LayerEntry } from './layer-entry.ts';
import { SHADOWED_APPLETS_PROFILE, shadowedAppletsProfile } from './shadowed-applets.ts';

const applets = ['/bin/sh', '/sbin/mke2fs', '/sbin/fdisk', '/usr/bin/[', '/bin/run-parts'];
const file = (path: string): LayerEntry => ({ type: 'file', path, mode: 0o755, content: { bytes: Buffer.from('') } });

function text(entry: LayerEntry | undefined): string {
  assert.ok(entry && entry.type === 'file' && 'bytes' in entry.content);
  return Buffer.from(entry.content.bytes).toString();
}

describe('shadowed applets', () => {
  it('writes a function for each shipped program with an applet name', () => {
    const profile = shadowedAppletsProfile(
      [file('/usr/bin/docker'), file('/sbin/mke2fs'), file('/etc/fdisk'), { type: 'symlink', path: '/bin/sh', target: '/bin/busybox' }],
      applets,
    );
    assert.equal(profile?.path, SHADOWED_APPLETS_PROFILE);
    const lines = text(profile).split('\n').filter((l) => !l.startsWith('#') && l !== '');
    assert.deepEqual(lines, ['mke2fs() { /sbin/mke2fs "$@"; }']);
  });

  it('writes nothing when no program is shadowed', () => {
    assert.equal(shadowedAppletsProfile([file('/usr/bin/docker'), file('/bin/busybox')], applets), undefined);
  });

  it('makes busybox ash run the real program', { skip: !existsSync('/bin/busybox') && 'no busybox on this host' }, () => {
    const profile = text(shadowedAppletsProfile([file('/usr/bin/true')], ['/bin/true']));
    // Without the function busybox ash would run its own `true` applet.
    const out = execFileSync('/bin/busybox', ['sh', '-c', `${profile}\ntype true`]).toString();
    assert.match(out, /true is a function/);
  });
});
