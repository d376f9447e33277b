// Which kernel modules the initrd carries and in what order the init loads them. The
// init has no modprobe logic of its own: it reads only-docker.load and calls
// finit_module line by line, so everything modprobe would work out (hard dependencies,
// softdeps, aliases, built-ins) is decided here, at build time.
import type { ModuleEntry, ModuleIndex } from './module-index.ts';
import { moduleName, normalizeAlias } from './module-index.ts';
import { formatLoadList } from '../../contract/module-load-list.ts';
import { OdError } from '../../contract/errors.ts';

export type { ModuleEntry, ModuleIndex, ModuleIndexTexts, SoftDep } from './module-index.ts';

export class ModuleNotFoundError extends OdError {
  constructor(
    readonly names: string[],
    options?: { cause?: unknown },
  ) {
    super(`kernel modules not found (neither a module file, built in, nor an alias): ${names.join(', ')}`, options);
  }
}

export interface ModuleClosure {
  /** Loadable modules, dependencies before dependents, softdep pre before, post after. */
  modules: ModuleEntry[];
  /** Wanted names (or names reached through softdeps) that are built into the kernel. */
  builtin: string[];
  /** Wanted names that are nowhere: an error for the build (see requireComplete). */
  missing: string[];
  /** Softdep names that resolve to nothing; modprobe skips those silently, so do we. */
  unresolvedSoftdeps: Array<{ module: string; softdep: string }>;
  /** Wanted or softdep names that were aliases, and the modules they stand for. */
  resolvedAliases: Array<{ alias: string; modules: string[] }>;
}

/** fnmatch with *, ? and [...] classes, the subset modules.alias patterns use. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += ch.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

type Resolution = { kind: 'modules'; names: string[]; viaAlias: boolean } | { kind: 'builtin'; names: string[] } | { kind: 'none' };

/**
 * modules.alias has ~26,000 lines, most of them device patterns ("pci:v00008086d*"):
 * exact aliases go in a map, and a wildcard pattern is only compiled when the name
 * starts with the pattern's literal prefix.
 */
class AliasMatcher {
  private readonly exact = new Map<string, string[]>();
  private readonly patterns: Array<{ prefix: string; pattern: string; module: string; regexp?: RegExp }> = [];

  constructor(aliases: ModuleIndex['aliases']) {
    for (const { pattern, module } of aliases) {
      const wildcard = pattern.search(/[*?[]/);
      if (wildcard === -1) {
        const modules = this.exact.get(pattern) ?? [];
        modules.push(module);
        this.exact.set(pattern, modules);
      } else {
        this.patterns.push({ prefix: pattern.slice(0, wildcard), pattern, module });
      }
    }
  }

  /** Modules an alias stands for, in modules.alias order, without duplicates. */
  match(alias: string): string[] {
    const found = [...(this.exact.get(alias) ?? [])];
    for (const entry of this.patterns) {
      if (!alias.startsWith(entry.prefix)) continue;
      entry.regexp ??= globToRegExp(entry.pattern);
      if (entry.regexp.test(alias)) found.push(entry.module);
    }
    return [...new Set(found)];
  }
}

/**
 * A name is a module file, else a built-in module, else an alias. An alias may stand
 * for several modules (crypto-crc32c: crc32c_intel and crc32c_generic); modprobe loads
 * all of them, and so does the init: the CPU-specific one may fail with ENODEV where
 * the CPU lacks the instructions (TCG), and the generic one then does the work.
 */
function resolveName(index: ModuleIndex, raw: string, aliases: AliasMatcher): Resolution {
  const name = moduleName(raw);
  if (index.modules.has(name)) return { kind: 'modules', names: [name], viaAlias: false };
  if (index.builtin.has(name)) return { kind: 'builtin', names: [name] };
  const matches = aliases.match(normalizeAlias(raw));
  const loadable = matches.filter((m) => index.modules.has(m));
  if (loadable.length > 0) return { kind: 'modules', names: loadable, viaAlias: true };
  const builtin = matches.filter((m) => index.builtin.has(m));
  if (builtin.length > 0) return { kind: 'builtin', names: builtin };
  return { kind: 'none' };
}

/**
 * The closure of `wanted` in load order. Depth-first: for each module, its softdep
 * `pre:` modules, then its dependencies (modules.dep already lists them transitively;
 * taken last-first, the order modprobe uses), then the module, then `post:` modules.
 * Softdeps of dependencies count too, as in kmod (libcrc32c pre: crc32c is what puts
 * crc32c before nf_tables). A module already placed is not placed again; a softdep
 * cycle is cut where it closes.
 */
export function resolveModuleClosure(index: ModuleIndex, wanted: string[]): ModuleClosure {
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const order: ModuleEntry[] = [];
  const builtin = new Set<string>();
  const missing: string[] = [];
  const unresolvedSoftdeps: ModuleClosure['unresolvedSoftdeps'] = [];
  const resolvedAliases: ModuleClosure['resolvedAliases'] = [];
  const aliases = new AliasMatcher(index.aliases);

  const visitSoft = (owner: string, softName: string): void => {
    const resolution = resolveName(index, softName, aliases);
    if (resolution.kind === 'builtin') resolution.names.forEach((n) => builtin.add(n));
    else if (resolution.kind === 'none') unresolvedSoftdeps.push({ module: owner, softdep: softName });
    else {
      if (resolution.viaAlias) noteAlias(softName, resolution.names);
      for (const name of resolution.names) visit(name);
    }
  };

  const noteAlias = (alias: string, modules: string[]): void => {
    if (!resolvedAliases.some((a) => a.alias === alias)) resolvedAliases.push({ alias, modules });
  };

  const visit = (name: string): void => {
    if (placed.has(name) || visiting.has(name)) return;
    const entry = index.modules.get(name);
    if (!entry) {
      // modules.dep names a dependency it has no line for: only a broken index does.
      if (index.builtin.has(name)) builtin.add(name);
      else if (!missing.includes(name)) missing.push(name);
      return;
    }
    visiting.add(name);
    const soft = index.softdeps.get(name);
    for (const pre of soft?.pre ?? []) visitSoft(name, pre);
    for (const dep of [...entry.deps].reverse()) visit(dep);
    visiting.delete(name);
    placed.add(name);
    order.push(entry);
    for (const post of soft?.post ?? []) visitSoft(name, post);
  };

  for (const raw of wanted) {
    const resolution = resolveName(index, raw, aliases);
    if (resolution.kind === 'builtin') resolution.names.forEach((n) => builtin.add(n));
    else if (resolution.kind === 'none') {
      if (!missing.includes(raw)) missing.push(raw);
    } else {
      if (resolution.viaAlias) noteAlias(raw, resolution.names);
      for (const name of resolution.names) visit(name);
    }
  }
  return { modules: order, builtin: [...builtin], missing, unresolvedSoftdeps, resolvedAliases };
}

/** Throws when a wanted module is nowhere (built-in ones are fine). */
export function requireCompleteClosure(closure: ModuleClosure): ModuleClosure {
  if (closure.missing.length > 0) throw new ModuleNotFoundError(closure.missing);
  return closure;
}

/**
 * Body of lib/modules/<kver>/only-docker.load (contract/module-load-list.ts): loadable
 * files only, in load order (built-ins have no file).
 */
export function loadListBody(closure: ModuleClosure): string {
  return formatLoadList(closure.modules.map((m) => m.path));
}
