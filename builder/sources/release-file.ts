// A pocket's InRelease file: the signature is checked with gpgv against Debian's archive
// keyring, and only the text gpgv vouches for (its --output) is parsed. The Release
// fields give each index's sha256 and size, and Valid-Until, past which a mirror may be
// replaying an old, signed, but outdated release.
import { existsSync } from 'node:fs';
import { execa, ExecaError } from 'execa';
import { parseStanzas } from './deb822.ts';
import { HostToolMissingError, requireHostTool } from './host-tools.ts';
import { OdError } from '../../contract/errors.ts';

export const DEBIAN_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export class ReleaseSignatureError extends OdError {
  constructor(readonly source: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`${source}: the signature does not verify against Debian's archive keyring: ${detail}`, options);
  }
}

export class ReleaseExpiredError extends OdError {
  constructor(readonly source: string, readonly validUntil: Date, options?: { cause?: unknown }) {
    super(`${source}: expired on ${validUntil.toISOString()} (Valid-Until); the mirror serves a stale release (lock --update --allow-expired accepts it)`, options);
  }
}

export class ReleaseFormatError extends OdError {
  constructor(readonly source: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
  }
}

/**
 * The signed text of an InRelease file, as gpgv outputs it after checking the signature
 * against `keyring`. `source` only names the file in errors.
 */
export async function verifyInRelease(inRelease: string, source: string, keyring = DEBIAN_ARCHIVE_KEYRING): Promise<string> {
  const gpgv = requireHostTool('gpgv', 'gpgv');
  if (!existsSync(keyring)) {
    throw new HostToolMissingError(keyring, keyring === DEBIAN_ARCHIVE_KEYRING ? 'debian-archive-keyring' : 'the keyring given');
  }
  try {
    const result = await execa(gpgv, ['--keyring', keyring, '--output', '-', '-'], { input: inRelease, env: { LC_ALL: 'C' }, stripFinalNewline: false });
    return result.stdout;
  } catch (error) {
    const detail = error instanceof ExecaError ? String(error.stderr ?? '').trim() || error.shortMessage : String(error);
    throw new ReleaseSignatureError(source, detail, { cause: error });
  }
}

export interface ReleaseEntry {
  sha256: string;
  size: number;
}

export interface Release {
  suite?: string;
  codename?: string;
  date?: Date;
  validUntil?: Date;
  /** Index path (relative to dists/<dist>/) -> its sha256 and size. */
  sha256: Map<string, ReleaseEntry>;
}

function parseDate(value: string | undefined, field: string, source: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ReleaseFormatError(source, `unreadable ${field} "${value}"`);
  return date;
}

/** Parses a Release text (the verified content of InRelease). */
export function parseRelease(text: string, source: string): Release {
  const [stanza] = parseStanzas(text);
  if (!stanza?.SHA256) throw new ReleaseFormatError(source, 'no SHA256 field: not a Release file');
  const sha256 = new Map<string, ReleaseEntry>();
  for (const line of stanza.SHA256.split('\n')) {
    const match = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line.trim());
    if (match) sha256.set(match[3]!, { sha256: match[1]!, size: Number(match[2]) });
  }
  const release: Release = { sha256 };
  if (stanza.Suite) release.suite = stanza.Suite;
  if (stanza.Codename) release.codename = stanza.Codename;
  const date = parseDate(stanza.Date, 'Date', source);
  if (date) release.date = date;
  const validUntil = parseDate(stanza['Valid-Until'], 'Valid-Until', source);
  if (validUntil) release.validUntil = validUntil;
  return release;
}

/** Refuses a release whose Valid-Until has passed. */
export function checkValidUntil(release: Release, source: string, now = new Date()): void {
  if (release.validUntil && release.validUntil.getTime() < now.getTime()) throw new ReleaseExpiredError(source, release.validUntil);
}
