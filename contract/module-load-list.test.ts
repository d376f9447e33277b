import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLoadList, parseLoadList } from './module-load-list.ts';

test('load list: order kept, comments and blanks skipped, repeats dropped, bad lines rejected', () => {
  const list = parseLoadList(
    [
      '# written by the builder',
      'kernel/lib/libcrc32c.ko',
      '',
      '  kernel/net/netfilter/nf_tables.ko  ',
      'kernel/lib/libcrc32c.ko',
      '/etc/passwd',
      '../../evil.ko',
      'kernel/fs/overlayfs/overlay.ko.xz',
      'modules.dep',
    ].join('\n'),
  );
  assert.deepEqual(list.modules, ['kernel/lib/libcrc32c.ko', 'kernel/net/netfilter/nf_tables.ko', 'kernel/fs/overlayfs/overlay.ko.xz']);
  assert.deepEqual(list.rejected, ['/etc/passwd', '../../evil.ko', 'modules.dep']);
});

test('load list: what the builder writes reads back the same', () => {
  const paths = ['kernel/lib/libcrc32c.ko', 'kernel/fs/overlayfs/overlay.ko.xz'];
  assert.deepEqual(parseLoadList(formatLoadList(paths)), { modules: paths, rejected: [] });
});
