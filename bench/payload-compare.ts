// The proof that the reference initrd carries the same payload as the real one: every
// entry of both archives, read back from the compressed files, compared by type,
// permissions, size, device number and sha256; only the allowed paths may differ.
import type { EntryDigest } from './newc-digest.ts';
import { OdError } from '../contract/errors.ts';

export interface PayloadRow {
  name: string;
  real?: EntryDigest;
  reference?: EntryDigest;
  equal: boolean;
}

export interface PayloadComparison {
  rows: PayloadRow[];
  /** Entries present and equal in both. */
  equalCount: number;
  /** Paths that differ (or exist in one archive only). */
  differing: string[];
  /** Differences outside the allowed paths: the proof failed when this is not empty. */
  unexpected: string[];
  ok: boolean;
}

export class PayloadMismatchError extends OdError {
  constructor(
    readonly unexpected: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `the reference initrd does not carry the real initrd's payload: ${unexpected.length} entr${unexpected.length === 1 ? 'y differs' : 'ies differ'} besides /init (${unexpected
        .slice(0, 5)
        .map((n) => `/${n}`)
        .join(', ')}${unexpected.length > 5 ? ', …' : ''})`,
      options,
    );
  }
}

export function sameEntry(a: EntryDigest, b: EntryDigest): boolean {
  return a.type === b.type && a.perm === b.perm && a.size === b.size && a.sha256 === b.sha256 && a.rdev === b.rdev;
}

export function comparePayloads(real: readonly EntryDigest[], reference: readonly EntryDigest[], allowedToDiffer: readonly string[] = ['init']): PayloadComparison {
  const byName = new Map<string, PayloadRow>();
  for (const entry of real) byName.set(entry.name, { name: entry.name, real: entry, equal: false });
  for (const entry of reference) {
    const row = byName.get(entry.name) ?? { name: entry.name, equal: false };
    row.reference = entry;
    byName.set(entry.name, row);
  }
  const rows = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const row of rows) row.equal = row.real !== undefined && row.reference !== undefined && sameEntry(row.real, row.reference);
  const differing = rows.filter((row) => !row.equal).map((row) => row.name);
  const unexpected = differing.filter((name) => !allowedToDiffer.includes(name));
  // The allowed path must exist in both: a reference without /init would prove nothing.
  for (const name of allowedToDiffer) {
    const row = byName.get(name);
    if (!row?.real || !row.reference) unexpected.push(name);
  }
  return { rows, equalCount: rows.length - differing.length, differing, unexpected, ok: unexpected.length === 0 };
}
