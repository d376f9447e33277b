// Parsers for the text indexes depmod writes into lib/modules/<kver>/ (modules.dep,
// modules.softdep, modules.alias) and the modules.builtin list the kernel package ships.
// Pure: the closure computed from them decides what the initrd's init loads.

export interface ModuleEntry {
  /** Normalised module name ("nf_conntrack"). */
  name: string;
  /** Path relative to lib/modules/<kver> ("kernel/net/netfilter/nf_conntrack.ko"). */
  path: string;
  /** Names of the modules it needs, as modules.dep lists them (already transitive). */
  deps: string[];
}

export interface SoftDep {
  pre: string[];
  post: string[];
}

export interface ModuleAlias {
  /** Normalised alias pattern; may hold fnmatch wildcards (device aliases do). */
  pattern: string;
  module: string;
}

export interface ModuleIndex {
  modules: Map<string, ModuleEntry>;
  softdeps: Map<string, SoftDep>;
  aliases: ModuleAlias[];
  builtin: Set<string>;
}

const MODULE_SUFFIX = /\.ko(\.(xz|zst|gz))?$/;

/**
 * Module names treat "-" and "_" as the same character (modprobe does): the canonical
 * form uses "_". Accepts a bare name or a path with any .ko compression suffix.
 */
export function moduleName(nameOrPath: string): string {
  const base = nameOrPath.slice(nameOrPath.lastIndexOf('/') + 1).replace(MODULE_SUFFIX, '');
  return base.replaceAll('-', '_');
}

/** Alias strings are normalised like names, except inside [...] classes (as kmod does). */
export function normalizeAlias(alias: string): string {
  let out = '';
  let inClass = false;
  for (const ch of alias) {
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    out += !inClass && ch === '-' ? '_' : ch;
  }
  return out;
}

function contentLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** modules.dep: "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko". */
export function parseModulesDep(text: string): Map<string, ModuleEntry> {
  const modules = new Map<string, ModuleEntry>();
  for (const line of contentLines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(moduleName);
    const name = moduleName(path);
    // depmod lists a name once; if two trees carried one, the first wins as in modprobe.
    if (!modules.has(name)) modules.set(name, { name, path, deps });
  }
  return modules;
}

/**
 * modules.softdep (and modprobe.d syntax): "softdep ext4 pre: crypto-crc32c post: x".
 * Words before the first "pre:"/"post:" are ignored, as kmod ignores them: depmod
 * writes such lines ("softdep cifs gcm") for MODULE_SOFTDEP strings without a keyword.
 */
export function parseModulesSoftdep(text: string): Map<string, SoftDep> {
  const softdeps = new Map<string, SoftDep>();
  for (const line of contentLines(text)) {
    const words = line.split(/\s+/);
    if (words[0] !== 'softdep' || words.length < 3) continue;
    const name = moduleName(words[1]!);
    const entry = softdeps.get(name) ?? { pre: [], post: [] };
    let mode: 'none' | 'pre' | 'post' = 'none';
    for (const word of words.slice(2)) {
      if (word === 'pre:') mode = 'pre';
      else if (word === 'post:') mode = 'post';
      else if (mode !== 'none') entry[mode].push(word);
    }
    softdeps.set(name, entry);
  }
  return softdeps;
}

/** modules.alias: "alias crypto-crc32c crc32c_generic". Order is kept: it is depmod's. */
export function parseModulesAlias(text: string): ModuleAlias[] {
  const aliases: ModuleAlias[] = [];
  for (const line of contentLines(text)) {
    const words = line.split(/\s+/);
    if (words[0] !== 'alias' || words.length < 3) continue;
    aliases.push({ pattern: normalizeAlias(words[1]!), module: moduleName(words[2]!) });
  }
  return aliases;
}

/** modules.builtin: one path per line ("kernel/net/packet/af_packet.ko"). */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(contentLines(text).map(moduleName));
}

export interface ModuleIndexTexts {
  dep: string;
  softdep?: string;
  alias?: string;
  builtin?: string;
}

export function buildModuleIndex(texts: ModuleIndexTexts): ModuleIndex {
  return {
    modules: parseModulesDep(texts.dep),
    softdeps: parseModulesSoftdep(texts.softdep ?? ''),
    aliases: parseModulesAlias(texts.alias ?? ''),
    builtin: parseModulesBuiltin(texts.builtin ?? ''),
  };
}
