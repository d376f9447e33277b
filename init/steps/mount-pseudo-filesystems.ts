import type { Step } from '../context.ts';
import { applyTable, describeEntry } from '../sys/creator.ts';
import { pseudoFilesystems } from './pseudo-filesystems.ts';

export const mountPseudoFilesystems: Step = {
  name: 'mountPseudoFilesystems',
  required: true,
  run(ctx) {
    const report = applyTable(pseudoFilesystems, { sys: ctx.sys, warn: (m) => ctx.console.warn(m) });
    for (const { entry, result } of report.results) {
      if (result === 'mounted' || result === 'already-mounted') ctx.console.debug(`${describeEntry(entry)}: ${result}`);
    }
  },
};
