import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLoadList } from '../../contract/module-load-list.ts';
import { loadListBody, ModuleNotFoundError, requireCompleteClosure, resolveModuleClosure } from './module-closure.ts';
import { buildModuleIndex, moduleName, parseModulesDep, parseModulesSoftdep } from './module-index.ts';

// Lines as depmod wrote them for Debian's 6.1 kernel (trimmed), plus compressed names.
const DEP = `
kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/fs/jbd2/jbd2.ko:
kernel/fs/mbcache.ko:
kernel/lib/crc16.ko:
kernel/fs/overlayfs/overlay.ko:
kernel/lib/libcrc32c.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/crypto/crc32c_generic.ko:
kernel/net/netfilter/nfnetlink.ko:
kernel/net/netfilter/nf_tables.ko: kernel/net/netfilter/nfnetlink.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/nft_compat.ko: kernel/net/netfilter/nf_tables.ko kernel/net/netfilter/nfnetlink.ko kernel/net/netfilter/x_tables.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/x_tables.ko:
kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz kernel/net/802/stp.ko.zst kernel/net/llc/llc.ko
kernel/net/bridge/bridge.ko.xz: kernel/net/802/stp.ko.zst kernel/net/llc/llc.ko
kernel/net/802/stp.ko.zst: kernel/net/llc/llc.ko
kernel/net/llc/llc.ko:
kernel/drivers/a.ko:
kernel/drivers/net/virtio_net.ko:
kernel/drivers/b.ko:
`;
const SOFTDEP = `
# Soft dependencies extracted from modules themselves.
softdep ext4 pre: crypto-crc32c
softdep jbd2 pre: crypto-crc32c
softdep libcrc32c pre: crc32c
softdep cifs gcm
softdep a post: b
softdep b pre: a
softdep overlay pre: no-such-thing
`;
const ALIAS = `
alias crypto-crc32c-intel crc32c_intel
alias crypto-crc32c crc32c_intel
alias crc32c crc32c_intel
alias crypto-crc32c-generic crc32c_generic
alias crypto-crc32c crc32c_generic
alias crc32c crc32c_generic
alias fs-overlay overlay
alias net-pf-17 af_packet
alias pci:v00001AF4d00001000sv*sd*bc*sc*i* virtio_net
`;
const BUILTIN = `
kernel/net/unix/unix.ko
kernel/net/packet/af_packet.ko
`;

const index = buildModuleIndex({ dep: DEP, softdep: SOFTDEP, alias: ALIAS, builtin: BUILTIN });
const names = (wanted: string[]): string[] => resolveModuleClosure(index, wanted).modules.map((m) => m.name);

test('moduleName strips paths and compression suffixes and uses underscores', () => {
  assert.equal(moduleName('kernel/arch/x86/crypto/crc32c-intel.ko'), 'crc32c_intel');
  assert.equal(moduleName('kernel/net/bridge/bridge.ko.xz'), 'bridge');
  assert.equal(moduleName('stp.ko.zst'), 'stp');
  assert.equal(moduleName('br-netfilter'), 'br_netfilter');
});

test('parseModulesDep keeps paths and names dependencies', () => {
  const modules = parseModulesDep(DEP);
  assert.deepEqual(modules.get('br_netfilter'), {
    name: 'br_netfilter',
    path: 'kernel/net/bridge/br_netfilter.ko.xz',
    deps: ['bridge', 'stp', 'llc'],
  });
  assert.deepEqual(modules.get('jbd2')?.deps, []);
});

test('parseModulesSoftdep reads pre and post and ignores keyword-less words', () => {
  const softdeps = parseModulesSoftdep(SOFTDEP);
  assert.deepEqual(softdeps.get('ext4'), { pre: ['crypto-crc32c'], post: [] });
  assert.deepEqual(softdeps.get('cifs'), { pre: [], post: [] });
  assert.deepEqual(softdeps.get('a'), { pre: [], post: ['b'] });
  assert.deepEqual(parseModulesSoftdep('softdep m pre: x y post: z').get('m'), { pre: ['x', 'y'], post: ['z'] });
});

test('dependencies come before dependents, without duplicates', () => {
  const order = names(['br_netfilter', 'bridge']);
  assert.deepEqual(order, ['llc', 'stp', 'bridge', 'br_netfilter']);
});

test('softdep pre through an alias loads every module the alias names, before the module', () => {
  const order = names(['ext4']);
  assert.deepEqual(order, ['crc32c_intel', 'crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4']);
  const closure = resolveModuleClosure(index, ['ext4']);
  assert.deepEqual(closure.resolvedAliases, [{ alias: 'crypto-crc32c', modules: ['crc32c_intel', 'crc32c_generic'] }]);
});

test('softdeps of dependencies count: crc32c is loaded before nf_tables', () => {
  const order = names(['nft_compat']);
  assert.ok(order.indexOf('crc32c_generic') < order.indexOf('libcrc32c'));
  assert.ok(order.indexOf('libcrc32c') < order.indexOf('nf_tables'));
  assert.ok(order.indexOf('nfnetlink') < order.indexOf('nf_tables'));
  assert.equal(order.at(-1), 'nft_compat');
});

test('post softdeps come after the module, and a softdep cycle terminates', () => {
  assert.deepEqual(names(['a']), ['a', 'b']);
  assert.deepEqual(names(['b']), ['a', 'b']);
});

test('names with dashes, aliases and wildcard aliases resolve', () => {
  assert.deepEqual(names(['br-netfilter']).at(-1), 'br_netfilter');
  assert.deepEqual(names(['fs-overlay']), ['overlay']);
  assert.deepEqual(names(['pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00']), ['virtio_net']);
  assert.deepEqual(resolveModuleClosure(index, ['pci:v00001AF4d00002000sv0sd0bc0sc0i0']).missing, [
    'pci:v00001AF4d00002000sv0sd0bc0sc0i0',
  ]);
});

test('built-in modules are reported, not missing; unknown ones are missing', () => {
  const closure = resolveModuleClosure(index, ['af_packet', 'net-pf-17', 'unix', 'overlay', 'nope']);
  assert.deepEqual(closure.builtin.sort(), ['af_packet', 'unix']);
  assert.deepEqual(closure.missing, ['nope']);
  assert.deepEqual(closure.unresolvedSoftdeps, [{ module: 'overlay', softdep: 'no-such-thing' }]);
  assert.throws(() => requireCompleteClosure(closure), ModuleNotFoundError);
  assert.doesNotThrow(() => requireCompleteClosure(resolveModuleClosure(index, ['af_packet', 'overlay'])));
});

test('the load list holds loadable paths in order and parses back', () => {
  const closure = resolveModuleClosure(index, ['br_netfilter', 'af_packet']);
  const body = loadListBody(closure);
  assert.equal(
    body,
    'kernel/net/llc/llc.ko\nkernel/net/802/stp.ko.zst\nkernel/net/bridge/bridge.ko.xz\nkernel/net/bridge/br_netfilter.ko.xz\n',
  );
  assert.deepEqual(parseLoadList(body).modules, closure.modules.map((m) => m.path));
});
