import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { appletSymlinks } from './busybox-applets.ts';
import { BusyboxAppletError, listBusyboxApplets, parseAppletList } from '../sources/busybox-applet-list.ts';

const listing = 'usr/bin/[\nbin/busybox\nbin/sh\nsbin/ip\nlinuxrc\nsbin/udhcpc\nbin/vi\n\n';

describe('busybox applets', () => {
  it('parses --list-full output into absolute paths', () => {
    assert.deepEqual(parseAppletList(listing), ['/usr/bin/[', '/bin/busybox', '/bin/sh', '/sbin/ip', '/linuxrc', '/sbin/udhcpc', '/bin/vi']);
  });

  it('links every applet but busybox itself and the excluded ones', () => {
    const links = appletSymlinks(parseAppletList(listing), { applets: 'all', exclude: ['linuxrc'] });
    assert.deepEqual(
      links.map((l) => l.path),
      ['/usr/bin/[', '/bin/sh', '/sbin/ip', '/sbin/udhcpc', '/bin/vi'],
    );
    assert.ok(links.every((l) => l.type === 'symlink' && l.target === '/bin/busybox'));
  });

  it('links a chosen subset at the paths the binary reports', () => {
    const links = appletSymlinks(parseAppletList(listing), { applets: ['sh', 'ip'], exclude: [] });
    assert.deepEqual(links.map((l) => l.path), ['/bin/sh', '/sbin/ip']);
  });

  it('refuses an applet the binary does not have', () => {
    assert.throws(() => appletSymlinks(parseAppletList(listing), { applets: ['sh', 'bash'], exclude: [] }), BusyboxAppletError);
  });

  it('asks a real busybox binary', { skip: !existsSync('/bin/busybox') && 'no busybox on this host' }, async () => {
    const applets = await listBusyboxApplets('/bin/busybox');
    assert.ok(applets.includes('/bin/sh'));
    assert.ok(applets.includes('/sbin/udhcpc'));
    await assert.rejects(listBusyboxApplets('/nonexistent/busybox'), BusyboxAppletError);
  });
});
