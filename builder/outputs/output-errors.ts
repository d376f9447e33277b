// Errors of the output writers. The CLI turns them into messages and exit codes.
import { OdError } from '../../contract/errors.ts';

/** A built artifact an output needs is not there: the fix is to build first. */
export class MissingArtifactError extends OdError {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} does not exist: run "make build" first (it writes dist/vmlinuz and dist/initrd.img)`, options);
  }
}

/** Writing an output failed; names the output and wraps what went wrong. */
export class OutputWriteError extends OdError {
  constructor(
    readonly output: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${output}: ${message}`, options);
  }
}
