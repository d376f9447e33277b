import type { ShutdownStep } from '../shutdown-plan-types.ts';

/** Everything written so far to the disks, before anything is unmounted or cut off. */
export const syncFilesystems: ShutdownStep = {
  name: 'syncFilesystems',
  required: false,
  run(ctx) {
    ctx.sys.sync();
  },
};
