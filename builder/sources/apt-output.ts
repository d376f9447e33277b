// Pure parsers for what apt-cache prints. Kept apart from the code that runs apt so
// they can be tested on fixed text.

/** One deb822 stanza ("Field: value" lines, continuation lines start with a space). */
export type Stanza = Record<string, string>;

/** Splits `apt-cache show` output (blank-line separated stanzas) into field maps. */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = {};
  let lastField: string | undefined;
  const flush = (): void => {
    if (Object.keys(current).length > 0) stanzas.push(current);
    current = {};
    lastField = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (lastField !== undefined) current[lastField] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastField = line.slice(0, colon);
    current[lastField] = line.slice(colon + 1).trim();
  }
  flush();
  return stanzas;
}

/**
 * Candidate versions from `apt-cache policy a b c`: each package starts a block with
 * "name:" at column 0 and has a "  Candidate: x" line; "(none)" means nothing is
 * installable (a purely virtual package, or one that no source in the lists carries).
 * A package apt does not know at all gets no block: the caller sees it as absent.
 */
export function parsePolicyCandidates(text: string): Map<string, string | null> {
  const result = new Map<string, string | null>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (candidate && current !== undefined && !result.has(current)) {
      const version = candidate[1]!;
      result.set(current, version === '(none)' ? null : version);
    }
  }
  return result;
}

export interface DependencyAtom {
  name: string;
  /** One of <<, <=, =, >=, >> when the dependency is versioned. */
  relation?: string;
  version?: string;
  /** ":any" / ":amd64" qualifier, if given. */
  archQualifier?: string;
}

/** A Depends field is an AND of groups; each group is an OR of alternatives. */
export function parseDependsField(field: string): DependencyAtom[][] {
  const groups: DependencyAtom[][] = [];
  for (const group of field.split(',')) {
    const alternatives: DependencyAtom[] = [];
    for (const alternative of group.split('|')) {
      const text = alternative.trim();
      if (text === '') continue;
      const match = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/.exec(text);
      if (!match) continue;
      const atom: DependencyAtom = { name: match[1]! };
      if (match[2]) atom.archQualifier = match[2];
      if (match[3]) {
        atom.relation = match[3];
        atom.version = match[4]!;
      }
      alternatives.push(atom);
    }
    if (alternatives.length > 0) groups.push(alternatives);
  }
  return groups;
}

/**
 * The file name apt-get download gives a package: name_version_arch.deb with the epoch
 * colon written as %3a. The cache uses the same name so a file copied from apt's own
 * archive directory is recognised.
 */
export function debFileName(name: string, version: string, architecture: string): string {
  return `${name}_${version.replaceAll(':', '%3a')}_${architecture}.deb`;
}
