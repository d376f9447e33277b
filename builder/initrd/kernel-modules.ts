// The kernel modules shipped in the initrd: the closure of the configured list, the
// index files (so busybox modprobe, which iptables runs, finds them too) and the load
// list the init follows.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { file, type InitrdRecord } from '../cpio/records.ts';
import {
  buildModuleIndex,
  loadListBody,
  requireCompleteClosure,
  resolveModuleClosure,
  LOAD_LIST_FILE,
  type ModuleClosure,
} from '../sources/module-closure.ts';

const INDEX_FILES = ['modules.dep', 'modules.softdep', 'modules.alias', 'modules.builtin', 'modules.order'];

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

export interface ModuleRecords {
  closure: ModuleClosure;
  records: InitrdRecord[];
}

export async function moduleRecords(modulesDir: string, kernelVersion: string, wanted: string[]): Promise<ModuleRecords> {
  const index = buildModuleIndex({
    dep: await readFile(join(modulesDir, 'modules.dep'), 'utf8'),
    softdep: await readOptional(join(modulesDir, 'modules.softdep')),
    alias: await readOptional(join(modulesDir, 'modules.alias')),
    builtin: await readOptional(join(modulesDir, 'modules.builtin')),
  });
  const closure = requireCompleteClosure(resolveModuleClosure(index, wanted));
  const base = `lib/modules/${kernelVersion}`;
  const records: InitrdRecord[] = closure.modules.map((m) => file(`${base}/${m.path}`, { fromPath: join(modulesDir, m.path) }));
  for (const name of INDEX_FILES) {
    const body = await readOptional(join(modulesDir, name));
    if (body) records.push(file(`${base}/${name}`, { data: Buffer.from(body) }));
  }
  records.push(file(`${base}/${LOAD_LIST_FILE}`, { data: Buffer.from(loadListBody(closure)) }));
  return { closure, records };
}
