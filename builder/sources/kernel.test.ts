import { test } from 'node:test';
import { realpath } from 'node:fs/promises';
import { linkMergedUsr } from './merged-usr.ts';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHostTool } from './host-tools.ts';
import { ensureModuleIndexes, findKernelTree, KernelNotFoundError, readModuleIndex } from './kernel.ts';

/** A staging root; `usr` lays the modules out as Debian 13 does, under /usr/lib/modules only. */
async function staging(kernels: string[], withModules = true, usr = false): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'od-kernel-'));
  await mkdir(join(root, 'boot'));
  for (const version of kernels) {
    await writeFile(join(root, 'boot', `vmlinuz-${version}`), 'kernel');
    if (withModules) await mkdir(join(root, ...(usr ? ['usr'] : []), 'lib', 'modules', version, 'kernel'), { recursive: true });
  }
  return root;
}

test('findKernelTree finds the one kernel and its modules', async () => {
  const root = await staging(['6.1.0-56-amd64']);
  try {
    const tree = await findKernelTree(root);
    assert.equal(tree.version, '6.1.0-56-amd64');
    assert.equal(tree.vmlinuzPath, join(root, 'boot', 'vmlinuz-6.1.0-56-amd64'));
    assert.equal(tree.modulesDir, join(root, 'lib', 'modules', '6.1.0-56-amd64'));
  } finally {
    await rm(root, { recursive: true });
  }
});

test("findKernelTree finds sid's kernel, which lies beside its modules and ships no /boot", async () => {
  const root = await mkdtemp(join(tmpdir(), 'od-kernel-'));
  try {
    const modules = join(root, 'usr', 'lib', 'modules', '7.2.13+deb14-amd64');
    await mkdir(join(modules, 'kernel'), { recursive: true });
    await writeFile(join(modules, 'vmlinuz'), 'kernel');
    await linkMergedUsr(root);
    const tree = await findKernelTree(root);
    assert.equal(tree.version, '7.2.13+deb14-amd64');
    assert.equal(tree.vmlinuzPath, join(modules, 'vmlinuz'));
    assert.equal(await realpath(tree.modulesDir), await realpath(modules));
  } finally {
    await rm(root, { recursive: true });
  }
});

test('findKernelTree refuses a missing kernel, missing modules, or an ambiguous choice', async () => {
  const empty = await staging([]);
  const noModules = await staging(['6.1.0-1-amd64'], false);
  const two = await staging(['6.1.0-1-amd64', '6.1.0-2-amd64']);
  try {
    await assert.rejects(findKernelTree(empty), KernelNotFoundError);
    await assert.rejects(findKernelTree(join(empty, 'nowhere')), KernelNotFoundError);
    await assert.rejects(findKernelTree(noModules), /no lib\/modules\/6.1.0-1-amd64/);
    await assert.rejects(findKernelTree(two), /several kernels/);
    assert.equal((await findKernelTree(two, '6.1.0-2-amd64')).version, '6.1.0-2-amd64');
    await assert.rejects(findKernelTree(two, '6.1.0-3-amd64'), KernelNotFoundError);
  } finally {
    await Promise.all([empty, noModules, two].map((dir) => rm(dir, { recursive: true })));
  }
});

test('ensureModuleIndexes leaves existing indexes alone', async () => {
  const root = await staging(['1.0.0']);
  try {
    const tree = await findKernelTree(root);
    await writeFile(join(tree.modulesDir, 'modules.dep'), 'kernel/a.ko:\n');
    assert.equal(await ensureModuleIndexes(tree), false);
    const index = await readModuleIndex(tree.modulesDir);
    assert.deepEqual([...index.modules.keys()], ['a']);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('ensureModuleIndexes runs depmod when modules.dep is absent', { skip: !findHostTool('depmod') && 'no depmod (kmod) on this host' }, async () => {
  const root = await staging(['1.0.0']);
  try {
    const tree = await findKernelTree(root);
    assert.equal(await ensureModuleIndexes(tree), true);
    assert.equal(await readFile(join(tree.modulesDir, 'modules.dep'), 'utf8'), '');
    assert.equal(await ensureModuleIndexes(tree), false);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a Debian 13 kernel: modules under /usr/lib/modules, indexed there by depmod', { skip: !findHostTool('depmod') && 'no depmod (kmod) on this host' }, async () => {
  const root = await staging(['6.12.0-1-amd64'], true, true);
  try {
    // The extraction links /lib into /usr as Debian's merged /usr does.
    await linkMergedUsr(root);
    const tree = await findKernelTree(root);
    assert.equal(await realpath(tree.modulesDir), join(await realpath(root), 'usr', 'lib', 'modules', '6.12.0-1-amd64'));
    assert.equal(await ensureModuleIndexes(tree), true);
    assert.equal(await readFile(join(tree.modulesDir, 'modules.dep'), 'utf8'), '');
  } finally {
    await rm(root, { recursive: true });
  }
});
