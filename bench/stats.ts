// Summaries of a few runs: min, median and max, and the real/reference ratio of medians.

export interface Summary {
  /** Values that were there (a milestone a run never reached is left out). */
  n: number;
  /** Runs in all, counting those without a value. */
  runs: number;
  min?: number;
  median?: number;
  max?: number;
}

/** The median of an even count is the mean of the two middle values. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly (number | undefined)[]): Summary {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length === 0) return { n: 0, runs: values.length };
  return {
    n: present.length,
    runs: values.length,
    min: Math.min(...present),
    median: median(present),
    max: Math.max(...present),
  };
}

/** real / reference, from the medians; undefined when either is missing or the reference is 0. */
export function ratio(real: Summary, reference: Summary): number | undefined {
  if (real.median === undefined || reference.median === undefined || reference.median === 0) return undefined;
  return real.median / reference.median;
}

/** The index of the run whose value is the median (the lower middle one for an even count). */
export function medianRunIndex(values: readonly (number | undefined)[]): number | undefined {
  const indexed = values.map((v, i) => [v, i] as const).filter((pair): pair is readonly [number, number] => typeof pair[0] === 'number');
  if (indexed.length === 0) return undefined;
  const sorted = [...indexed].sort((a, b) => a[0] - b[0]);
  return sorted[(sorted.length - 1) >> 1]![1];
}
