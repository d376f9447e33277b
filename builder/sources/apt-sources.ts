// Where the Debian archive is: the build host's apt sources name a mirror (the address is
// never written into the repository), the configuration or the environment may name
// another. Only the address is taken from the host: suites, pinning and package lists
// of the host's apt play no part in what the builder resolves.
//
// Precedence, for the archive and for the security archive separately:
//   1. the environment: ONLY_DOCKER_DEBIAN_MIRROR, ONLY_DOCKER_DEBIAN_SECURITY_MIRROR
//   2. the configuration: debian.mirror, debian.securityMirror
//   3. the host's apt sources: /etc/apt/sources.list, then /etc/apt/sources.list.d/*.list
//      and *.sources in name order (apt's own order); the first Debian entry wins.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStanzas } from './deb822.ts';
import { OdError } from '../../contract/errors.ts';

export const MIRROR_ENV = 'ONLY_DOCKER_DEBIAN_MIRROR';
export const SECURITY_MIRROR_ENV = 'ONLY_DOCKER_DEBIAN_SECURITY_MIRROR';

export class MirrorNotFoundError extends OdError {
  constructor(readonly which: 'archive' | 'security', options?: { cause?: unknown }) {
    const [key, env] = which === 'archive' ? ['debian.mirror', MIRROR_ENV] : ['debian.securityMirror', SECURITY_MIRROR_ENV];
    super(
      `no Debian ${which === 'archive' ? 'archive' : 'security archive'} mirror: the build host's apt sources name none; set "${key}" in only-docker.json or ${env} in the environment`,
      options,
    );
  }
}

export interface AptSourceEntry {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/** Entries of a deb822 `.sources` file; `Enabled: no` entries are left out. */
export function parseDeb822Sources(text: string): AptSourceEntry[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return parseStanzas(withoutComments)
    .filter((stanza) => (stanza.Enabled ?? 'yes').toLowerCase() !== 'no')
    .map((stanza) => ({ types: words(stanza.Types), uris: words(stanza.URIs), suites: words(stanza.Suites), components: words(stanza.Components) }));
}

/** Entries of a one-line-style `sources.list`: `deb [options] uri suite component...`. */
export function parseOneLineSources(text: string): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite, ...components] = words(line);
    if (!type || !uri || !suite) continue;
    entries.push({ types: [type], uris: [uri], suites: [suite], components });
  }
  return entries;
}

// Debian's suite names and aliases: an entry for any of these (or its -updates,
// -security... pocket) is Debian's archive, not a third-party repository.
const DEBIAN_SUITES = new Set([
  'stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental', 'sid',
  'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke',
]);

export interface HostMirrors {
  archive?: string;
  security?: string;
}

const trimSlash = (uri: string): string => uri.replace(/\/+$/, '');

/** The archive and security URIs among entries, first Debian one of each kind. */
export function mirrorsFromEntries(entries: AptSourceEntry[]): HostMirrors {
  const found: HostMirrors = {};
  for (const entry of entries) {
    if (!entry.types.includes('deb')) continue;
    const uri = entry.uris.find((u) => /^https?:\/\//.test(u));
    if (!uri) continue;
    for (const suite of entry.suites) {
      const pocket = /^([a-z]+)(?:-(security|updates|backports|proposed-updates)|\/updates)?$/.exec(suite);
      if (!pocket || !DEBIAN_SUITES.has(pocket[1]!)) continue;
      const security = pocket[2] === 'security' || suite.endsWith('/updates');
      if (security) found.security ??= trimSlash(uri);
      else found.archive ??= trimSlash(uri);
    }
  }
  return found;
}

/** Reads the host's apt sources in apt's order; a missing directory or file counts as empty. */
export async function discoverHostMirrors(etcApt = '/etc/apt'): Promise<HostMirrors> {
  const entries: AptSourceEntry[] = [];
  const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
  entries.push(...parseOneLineSources(await read(join(etcApt, 'sources.list'))));
  const dir = join(etcApt, 'sources.list.d');
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    if (name.endsWith('.list')) entries.push(...parseOneLineSources(await read(join(dir, name))));
    else if (name.endsWith('.sources')) entries.push(...parseDeb822Sources(await read(join(dir, name))));
  }
  return mirrorsFromEntries(entries);
}

export interface MirrorSettings {
  mirror?: string | undefined;
  securityMirror?: string | undefined;
}

export interface Mirrors {
  archive: string;
  /** Absent when no pocket needs it (sid) and none was found. */
  security?: string;
}

/** Applies the precedence above; `needSecurity` makes a missing security mirror an error. */
export async function resolveMirrors(
  config: MirrorSettings,
  opts: { needSecurity: boolean; env?: NodeJS.ProcessEnv; etcApt?: string },
): Promise<Mirrors> {
  const env = opts.env ?? process.env;
  let host: HostMirrors | undefined;
  const fromHost = async (): Promise<HostMirrors> => (host ??= await discoverHostMirrors(opts.etcApt));
  const archive = env[MIRROR_ENV] || config.mirror || (await fromHost()).archive;
  if (!archive) throw new MirrorNotFoundError('archive');
  const security = env[SECURITY_MIRROR_ENV] || config.securityMirror || (await fromHost()).security;
  if (!security && opts.needSecurity) throw new MirrorNotFoundError('security');
  return security ? { archive: trimSlash(archive), security: trimSlash(security) } : { archive: trimSlash(archive) };
}
