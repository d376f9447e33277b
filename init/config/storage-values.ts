// Values of the storage option that names a device.
import * as z from 'zod/mini';
import { needsValue } from './values.ts';

// A device node by its kernel name (/dev/sda, /dev/vdb, /dev/nvme0n1, /dev/sdb1). No
// udev makes /dev/disk/by-* links here, and a relative or odd path is more likely a
// typo than a wish to format something. Each repetition takes one character (a slash
// only before another character), so the match is linear in the input's length.
export const blockDevicePath = z.pipe(
  needsValue('a device, e.g. /dev/sda'),
  z.string().check(
    z.regex(/^\/dev\/[a-z][a-z0-9]*(?:\/[a-z0-9]+)*$/, 'expected a device such as /dev/sda, /dev/vdb or /dev/nvme0n1'),
  ),
);
