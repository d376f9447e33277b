// The built artifacts every output starts from. Outputs never build them: a missing
// one is an error that says to build first.
import { stat } from 'node:fs/promises';
import type { OutputInputs } from './output-types.ts';
import { MissingArtifactError } from './output-errors.ts';

export async function requireArtifacts(inputs: Pick<OutputInputs, 'vmlinuz' | 'initrd'>): Promise<void> {
  for (const path of [inputs.vmlinuz, inputs.initrd]) {
    try {
      await stat(path);
    } catch (cause) {
      throw new MissingArtifactError(path, { cause });
    }
  }
}
