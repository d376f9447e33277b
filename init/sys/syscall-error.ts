import { constants } from 'node:os';
import { OdError } from '../../contract/errors.ts';

// libuv's error names miss some errnos (ECHILD among them), so the name comes from
// the kernel's full list as Node exposes it. The first name wins for aliases
// (EAGAIN before EWOULDBLOCK).
const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** Name of an errno value (`ENOENT`), or `E<number>` when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/**
 * A libc call returned -1. Carries the errno both as number and as name so callers can
 * branch on `code` (`EEXIST`, `EBUSY`...) the way they do with Node's own fs errors.
 */
export class SyscallError extends OdError {
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;

  constructor(syscall: string, errno: number, detail?: string, options?: { cause?: unknown }) {
    const code = errnoName(errno);
    super(`${syscall}${detail === undefined ? '' : `(${detail})`}: ${code}`, options);
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}

/** True for a SyscallError or a Node system error with this errno name. */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
