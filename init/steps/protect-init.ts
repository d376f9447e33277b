import { writeFileSync } from 'node:fs';
import type { Step } from '../context.ts';

/** -1000 exempts the init from the OOM killer: its death would panic the kernel. */
export const protectInit: Step = {
  name: 'protectInit',
  required: false,
  run(ctx) {
    writeFileSync(ctx.paths.procSelfOomScoreAdj, '-1000\n');
  },
};
