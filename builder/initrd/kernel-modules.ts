// The kernel modules shipped in the initrd: the closure of the configured list, the
// index files (so busybox modprobe, which iptables runs, finds them too) and the load
// list the init follows.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { file, type InitrdRecord } from '../cpio/records.ts';
import { ensureModuleIndexes, readModuleIndex, type KernelTree } from '../sources/kernel.ts';
import { loadListBody, requireCompleteClosure, resolveModuleClosure, type ModuleClosure } from '../sources/module-closure.ts';
import { LOAD_LIST_FILE } from '../../contract/module-load-list.ts';

// What busybox modprobe reads; the binary .bin indexes are kmod's and not needed.
const INDEX_FILES = ['modules.dep', 'modules.softdep', 'modules.alias', 'modules.builtin', 'modules.order'];

export interface ModuleRecords {
  closure: ModuleClosure;
  records: InitrdRecord[];
}

export async function moduleRecords(kernel: KernelTree, wanted: string[]): Promise<ModuleRecords> {
  await ensureModuleIndexes(kernel);
  const closure = requireCompleteClosure(resolveModuleClosure(await readModuleIndex(kernel.modulesDir), wanted));
  const base = `lib/modules/${kernel.version}`;
  const records: InitrdRecord[] = closure.modules.map((m) => file(`${base}/${m.path}`, { fromPath: join(kernel.modulesDir, m.path) }));
  for (const name of INDEX_FILES) {
    const body = await readFile(join(kernel.modulesDir, name)).catch(() => undefined);
    if (body) records.push(file(`${base}/${name}`, { data: body }));
  }
  records.push(file(`${base}/${LOAD_LIST_FILE}`, { data: Buffer.from(loadListBody(closure)) }));
  return { closure, records };
}
