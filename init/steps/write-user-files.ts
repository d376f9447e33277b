import type { Step } from '../context.ts';
import { printable } from '../logs/printable.ts';
import { writeUserFiles } from '../user-files/write-user-files.ts';

/** The configuration's `files`, right after it is read: before the services and consoles that may read them. */
export const writeConfigFiles: Step = {
  name: 'writeConfigFiles',
  required: false,
  async run(ctx) {
    const files = ctx.config.user.files;
    if (files.length === 0) return { skipped: 'no files in the configuration' };
    for (const outcome of await writeUserFiles(files)) {
      if (outcome.status === 'written') ctx.console.info(printable(`file ${outcome.path} written (${outcome.bytes} bytes)`));
      else ctx.console.warn(printable(`file ${outcome.path} not written: ${outcome.error}`));
    }
  },
};
