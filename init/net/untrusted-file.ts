import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { OdError } from '../../contract/errors.ts';

export class UntrustedFileError extends OdError {}

/** More bytes than the reader allows: `size` is what fstat said, or (`atLeast`) what was read before giving up. */
export class UntrustedFileTooLargeError extends UntrustedFileError {
  constructor(
    message: string,
    readonly size: number,
    readonly maxBytes: number,
    readonly atLeast = false,
  ) {
    super(message);
  }
}

/**
 * Reads a file that a container wrote into a host directory (lease.json), trusting
 * nothing about it: a symlink is not followed (it could point at any host file), a FIFO
 * or device is refused without blocking (O_NONBLOCK: opening a FIFO with no writer
 * would otherwise wait for ever, hanging the boot past its timeout), and at most
 * maxBytes are read. ENOENT passes through as it is: a file not there yet is normal.
 */
export async function readUntrustedFile(path: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UntrustedFileError(`${path} is a symbolic link: not read`, { cause });
    throw cause;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UntrustedFileError(`${path} is not a regular file: not read`);
    if (stat.size > maxBytes) {
      throw new UntrustedFileTooLargeError(`${path} has ${stat.size} bytes, more than the ${maxBytes} it may have: not read`, stat.size, maxBytes);
    }
    // The size may grow between fstat and read, and a sysfs file (fw_cfg's raw) says 0
    // and gives at most a page per read: read until the end, and one byte more than
    // allowed to tell.
    const buffer = Buffer.alloc(maxBytes + 1);
    let total = 0;
    while (total < buffer.length) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > maxBytes) throw new UntrustedFileTooLargeError(`${path} has more than the ${maxBytes} bytes it may have: not read`, total, maxBytes, true);
    return buffer.subarray(0, total).toString('utf8');
  } finally {
    await handle.close();
  }
}
