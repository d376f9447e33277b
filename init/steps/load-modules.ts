import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Step } from '../context.ts';
import { parseLoadList } from '../../contract/module-load-list.ts';
import { loadListPath, loadModuleList, readProcModules, sysModuleExists } from '../sys/kernel-modules.ts';

export const loadModules: Step = {
  name: 'loadModules',
  required: false,
  run(ctx) {
    const listPath = loadListPath(ctx.paths.modulesRoot, ctx.kernelRelease);
    let text: string;
    try {
      text = readFileSync(listPath, 'utf8');
    } catch {
      return { skipped: `no module list at ${listPath} (kernel ${ctx.kernelRelease})` };
    }
    const list = parseLoadList(text);
    for (const line of list.rejected) ctx.console.warn(`${listPath}: not a module path, ignored: ${line}`);

    const results = loadModuleList(list.modules, {
      sys: ctx.sys,
      moduleDir: dirname(listPath),
      loaded: readProcModules(ctx.paths.procModules),
      isBuiltIn: sysModuleExists(ctx.paths.sysModule),
    });
    const count = (status: string) => results.filter((r) => r.status === status).length;
    for (const result of results) {
      if (result.status === 'failed') ctx.console.warn(`module ${result.path}: ${result.error?.message}`);
      else ctx.console.debug(`module ${result.name}: ${result.status}`);
    }
    ctx.console.info(
      `kernel ${ctx.kernelRelease}: ${count('loaded')} modules loaded, ${count('already-loaded')} already there, ${count('failed')} failed`,
    );
  },
};
