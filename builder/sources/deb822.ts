// Pure parsers for Debian's control-file format (deb822): the stanzas of a Packages
// index or a Release file, and the relationship fields (Depends, Provides) inside them.
// Kept apart from the code that fetches indexes so they can be tested on fixed text.

/** One deb822 stanza ("Field: value" lines, continuation lines start with a space). */
export type Stanza = Record<string, string>;

/**
 * Splits blank-line separated stanzas into field maps. With `fields`, only those fields
 * are kept: a full Packages index is ~60 MB of text, and its descriptions are not needed.
 */
export function parseStanzas(text: string, fields?: ReadonlySet<string>): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = {};
  let lastField: string | undefined;
  let hasFields = false;
  const flush = (): void => {
    if (hasFields) stanzas.push(current);
    current = {};
    lastField = undefined;
    hasFields = false;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') {
      flush();
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (lastField !== undefined) current[lastField] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    hasFields = true;
    if (fields && !fields.has(name)) {
      lastField = undefined;
      continue;
    }
    lastField = name;
    current[name] = line.slice(colon + 1).trim();
  }
  flush();
  return stanzas;
}

export interface DependencyAtom {
  name: string;
  /** One of <<, <=, =, >=, >> when the dependency is versioned. */
  relation?: string;
  version?: string;
  /** ":any" / ":amd64" qualifier, if given. */
  archQualifier?: string;
}

/** A Depends field is an AND of groups; each group is an OR of alternatives. Provides uses the same syntax without `|`. */
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
        // `<` and `>` are obsolete spellings of `<=` and `>=` (policy 7.1).
        atom.relation = match[3] === '<' ? '<=' : match[3] === '>' ? '>=' : match[3];
        atom.version = match[4]!;
      }
      alternatives.push(atom);
    }
    if (alternatives.length > 0) groups.push(alternatives);
  }
  return groups;
}

/**
 * The file name a package gets in the cache: name_version_arch.deb with the epoch colon
 * written as %3a, as apt names it, so a file copied from apt's archive directory is recognised.
 */
export function debFileName(name: string, version: string, architecture: string): string {
  return `${name}_${version.replaceAll(':', '%3a')}_${architecture}.deb`;
}
