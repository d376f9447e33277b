// Debian version comparison as Debian policy 5.6.12 defines it and dpkg implements it
// (lib/dpkg/version.c): epoch numerically, then upstream version and Debian revision
// each compared by alternating non-digit runs (letters before other characters, `~`
// before everything, even the end) and digit runs (numerically).
import { OdError } from '../../contract/errors.ts';

export class DebianVersionError extends OdError {
  constructor(readonly version: string, options?: { cause?: unknown }) {
    super(`"${version}" is not a Debian version`, options);
  }
}

interface ParsedVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function parseVersion(version: string): ParsedVersion {
  const text = version.trim();
  const colon = text.indexOf(':');
  const epochText = colon >= 0 ? text.slice(0, colon) : '0';
  if (!/^\d+$/.test(epochText)) throw new DebianVersionError(version);
  const rest = colon >= 0 ? text.slice(colon + 1) : text;
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!/^[0-9A-Za-z.+~:-]+$/.test(upstream) || !/^[0-9A-Za-z.+~]*$/.test(revision)) throw new DebianVersionError(version);
  return { epoch: Number(epochText), upstream, revision };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** dpkg's order(): the end of the string sorts like a digit, `~` below it, letters next, then the rest. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -1;
  return c + 256;
}

function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : Number.NaN);
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const diff = order(at(a, i)) - order(at(b, j));
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    while (at(a, i) === 0x30) i++;
    while (at(b, j) === 0x30) j++;
    let firstDiff = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (firstDiff === 0) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left.epoch !== right.epoch) return left.epoch - right.epoch;
  return compareParts(left.upstream, right.upstream) || compareParts(left.revision, right.revision);
}

/** Whether `version` satisfies a Depends relation (`<<`, `<=`, `=`, `>=`, `>>`) against `bound`. */
export function satisfiesRelation(version: string, relation: string, bound: string): boolean {
  const c = compareDebianVersions(version, bound);
  switch (relation) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
    default:
      throw new DebianVersionError(`${relation} ${bound}`);
  }
}
