// The kinds of value the od.* options share: what a bare flag, a value, a flag word and a
// number of seconds are. The option-specific ones are in *-values.ts beside this file.
import * as z from 'zod/mini';

/** A bare flag (`od.debug`) arrives as `true`, everything else as the string after `=`. */
export type RawValue = string | true;

// zod/mini rather than the classic API: the same validation, but esbuild keeps only
// the parts used (~20 KB instead of ~750 KB with every error-message locale), and the
// bundle's size is start-up time for PID 1 under TCG.
export const anyValue = z.union([z.literal(true), z.string()]);

export const needsValue = (what: string) =>
  z.pipe(
    anyValue.check(z.refine((v) => v !== true, `needs a value: ${what}`)),
    z.transform((v: RawValue) => String(v)),
  );

const flagWords: Record<string, boolean> = { '': true, '1': true, true: true, yes: true, on: true, '0': false, false: false, no: false, off: false };

export const flag = z.pipe(
  anyValue.check(
    z.refine((v) => v === true || v.toLowerCase() in flagWords, 'expected a flag: 1/0, true/false, yes/no, on/off'),
  ),
  z.transform((v: RawValue) => v === true || flagWords[v.toLowerCase()] === true),
);

/** A number of seconds, "10" or "10s", between min and max; the example is for the message. */
export function secondsBetween(min: number, max: number, example: number) {
  return z.pipe(
    z.pipe(
      needsValue('a number of seconds'),
      z.string().check(z.regex(/^\d+(\.\d+)?s?$/, `expected a number of seconds, e.g. ${example} or ${example}s`)),
    ),
    z.pipe(
      z.transform((v: string) => Number(v.replace(/s$/, ''))),
      z.number().check(z.gte(min, `at least ${min} second${min === 1 ? '' : 's'}`), z.lte(max, `at most ${max} seconds`)),
    ),
  );
}

export const seconds = secondsBetween(1, 3600, 90);

// od.disk.timeout may be 0: look at the disks once and do not wait (RAM mode at once);
// od.disk.settle may be 0: wait the whole timeout.
export const diskWaitSeconds = secondsBetween(0, 600, 10);

export const shutdownSeconds = secondsBetween(1, 600, 10);

/** One of a list of words, as the schema's output type. */
export function oneOf<T extends string>(words: readonly T[], what: string) {
  return z.pipe(
    needsValue(what),
    z.pipe(
      z.string().check(z.refine((v) => (words as readonly string[]).includes(v), `expected one of ${words.join(', ')}`)),
      z.transform((v: string) => v as T),
    ),
  );
}
