// One source of the user configuration (a YAML file) in, one validated layer and its
// problems out. Pure: reading the sources is someone else's job.
//
// What a problem costs, from most to least:
// - a syntax error, a file over the size limit or an alias bomb: the whole source (the
//   boot goes on with the other sources and the kernel command line);
// - a bad value in a list element (a service, a file, an interface): that element only. A service or
//   file with one bad part is dropped whole, not run or written half-configured; the
//   others are kept;
// - a bad value elsewhere (the host name, one environment variable, one SSH key, one
//   NTP server, the swarm, one od option): that key or element, and its default stays;
// - an unknown key: only itself; the mapping that holds it is kept.
import { LineCounter, parseDocument, type Document } from 'yaml';
import { describeError } from '../../../contract/errors.ts';
import type { SourcedParam } from '../cmdline.ts';
import { hostname as hostnameSchema } from '../net-console-values.ts';
import { odEntries } from './od-section.ts';
import type { ParsedUserConfig, UserConfigLayer, UserConfigProblem } from './user-config.ts';
import { fileSchema, interfaceSchema, serviceSchema, swarmSchema } from './user-config-schema.ts';
import { authorizedKey, envName, hostOrIpv4, jsonObject, scalarText } from './user-config-values.ts';
import { validateElement, type ElementIssue } from './validate-element.ts';
import { formatPath, positionOf, type Path } from './yaml-positions.ts';
import type * as z from 'zod/mini';

/** Far more than any real configuration; bounds the time and memory one source can take. */
export const maxUserConfigBytes = 1024 * 1024;

// Each alias expands its anchor's whole subtree: without a bound, ten nested levels of
// ten aliases make ten billion nodes from a file of a few hundred bytes.
const maxAliasCount = 100;

type Kind = ElementIssue['kind'];

interface Indexed<T> {
  value: T;
  index: number;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The walk over one document: where each problem is, and the layer being filled. */
class LayerReader {
  readonly layer: UserConfigLayer;
  readonly problems: UserConfigProblem[] = [];
  private hostnameParam: SourcedParam[] = [];
  private odParams: SourcedParam[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly source: string,
  ) {
    this.layer = { source };
  }

  private where(path: Path, atKey = false) {
    return { source: this.source, ...positionOf(this.doc, this.lineCounter, path, atKey) };
  }

  private report(kind: Kind, path: Path, message: string, outcome: string): void {
    if (kind === 'unknown') this.problems.push({ kind, path: formatPath(path), ...this.where(path, true) });
    else this.problems.push({ kind, path: formatPath(path), message, outcome, ...this.where(path) });
  }

  private reportAll(base: Path, issues: readonly ElementIssue[], outcome: string): void {
    for (const issue of issues) this.report(issue.kind, [...base, ...issue.path], issue.message, outcome);
  }

  /** One element against its schema; its problems reported; undefined when it is dropped. */
  private element<T>(schema: z.ZodMiniType<T>, value: unknown, path: Path, outcome: string): T | undefined {
    const result = validateElement(schema, value);
    this.reportAll(path, result.issues, outcome);
    return result.ok ? result.value : undefined;
  }

  /** A mapping of known keys, each to its handler; unknown keys reported and skipped. */
  section(value: unknown, path: Path, handlers: Record<string, (value: unknown, path: Path) => void>): void {
    if (!isMapping(value)) {
      this.report('invalid', path, 'expected a mapping', `${formatPath(path) || 'the source'} ignored`);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const handler = Object.hasOwn(handlers, key) ? handlers[key] : undefined;
      if (handler) handler(item, [...path, key]);
      else this.report('unknown', [...path, key], 'unknown key', 'ignored');
    }
  }

  /** Each element checked alone; the good ones kept, with their index in the file for later problems. */
  private list<T>(value: unknown, path: Path, schema: z.ZodMiniType<T>, outcomeOf: (item: unknown, index: number) => string): Indexed<T>[] | undefined {
    if (!Array.isArray(value)) {
      this.report('invalid', path, 'expected a list', `${formatPath(path)} ignored`);
      return undefined;
    }
    const kept: Indexed<T>[] = [];
    value.forEach((item, index) => {
      const valid = this.element(schema, item, [...path, index], outcomeOf(item, index));
      if (valid !== undefined) kept.push({ value: valid, index });
    });
    return kept;
  }

  /** Elements with the same identity in one list: the first is kept, a later one is a mistake. */
  private unique<T>(items: Indexed<T>[], path: Path, field: keyof T & string, outcome: (item: T) => string): T[] {
    const seen = new Set<unknown>();
    const kept: T[] = [];
    for (const { value, index } of items) {
      const id = value[field];
      if (seen.has(id)) this.report('invalid', [...path, index, field], `a second entry with ${field} ${JSON.stringify(id)}`, outcome(value));
      else kept.push(value);
      seen.add(id);
    }
    return kept;
  }

  /** A list whose elements one field tells apart (a service's name, a file's path): each checked alone, the first of a kind kept. */
  private keyedList<T>(value: unknown, path: Path, schema: z.ZodMiniType<T>, field: keyof T & string, describe: (id: string) => string): T[] | undefined {
    const outcome = (item: unknown, index: number) =>
      isMapping(item) && typeof item[field] === 'string' ? `${describe(item[field])} ignored` : `${formatPath(path)}[${index}] ignored`;
    const items = this.list(value, path, schema, outcome);
    return items && this.unique(items, path, field, (item) => `${describe(String(item[field]))} ignored`);
  }

  readonly handlers: Record<string, (value: unknown, path: Path) => void> = {
    hostname: (value, path) => {
      const name = this.element(hostnameSchema, value, path, 'hostname ignored');
      if (name === undefined) return;
      this.layer.hostname = name;
      this.hostnameParam = [{ key: 'od.hostname', value: name, source: this.describeWhere(path) }];
    },
    docker: (value, path) =>
      this.section(value, path, {
        daemon: (daemon, at) => {
          const json = this.element(jsonObject, daemon, at, 'docker.daemon ignored');
          if (json !== undefined) this.layer.docker = { ...this.layer.docker, daemon: json };
        },
        env: (env, at) => {
          const vars = this.envMap(env, at);
          if (vars !== undefined) this.layer.docker = { ...this.layer.docker, env: vars };
        },
      }),
    services: (value, path) => {
      const services = this.keyedList(value, path, serviceSchema, 'name', (name) => `service ${JSON.stringify(name)}`);
      if (services) this.layer.services = services;
    },
    files: (value, path) => {
      const files = this.keyedList(value, path, fileSchema, 'path', (file) => `file ${file}`);
      if (files) this.layer.files = files;
    },
    interfaces: (value, path) => {
      const interfaces = this.keyedList(value, path, interfaceSchema, 'name', (name) => `interface ${name}`);
      if (interfaces) this.layer.interfaces = interfaces;
    },
    ssh: (value, path) =>
      this.section(value, path, {
        authorized_keys: (keys, at) => {
          const list = this.list(keys, at, authorizedKey, () => 'key ignored');
          if (list) this.layer.ssh = { authorizedKeys: list.map((key) => key.value) };
        },
      }),
    ntp: (value, path) =>
      this.section(value, path, {
        servers: (servers, at) => {
          const list = this.list(servers, at, hostOrIpv4, () => 'server ignored');
          if (list) this.layer.ntp = { servers: list.map((server) => server.value) };
        },
      }),
    swarm: (value, path) => {
      const swarm = this.element(swarmSchema, value, path, 'swarm ignored');
      if (swarm !== undefined) this.layer.swarm = swarm;
    },
    od: (value, path) => {
      const { entries, issues } = odEntries(value);
      for (const issue of issues) this.report('invalid', [...path, ...issue.path], issue.message, 'option ignored');
      this.odParams = entries.map((entry) => ({
        key: `od.${entry.key}`,
        value: entry.value,
        source: this.describeWhere([...path, ...entry.path], true),
      }));
    },
  };

  /** NAME: value pairs, each checked alone: one bad variable costs only itself. */
  private envMap(value: unknown, path: Path): Record<string, string> | undefined {
    if (!isMapping(value)) {
      this.report('invalid', path, 'expected a mapping of NAME: value', `${formatPath(path)} ignored`);
      return undefined;
    }
    const vars: Record<string, string> = {};
    for (const [name, raw] of Object.entries(value)) {
      const outcome = `variable ${name} ignored`;
      const validName = this.element(envName, name, [...path, name], outcome);
      const text = validName === undefined ? undefined : this.element(scalarText, raw, [...path, name], outcome);
      if (text !== undefined) vars[name] = text;
    }
    return vars;
  }

  private describeWhere(path: Path, atKey = false): string {
    const { line, column } = this.where(path, atKey);
    return `${this.source} line ${line} column ${column}`;
  }

  /** The od parameters of the layer: the host name first, so `od: { hostname }` in the same file wins. */
  finish(): ParsedUserConfig {
    const od = [...this.hostnameParam, ...this.odParams];
    if (od.length > 0) this.layer.od = od;
    return { config: this.layer, problems: this.problems };
  }
}

function wholeSourceIgnored(source: string, kind: 'syntax' | 'limit', message: string, line = 1, column = 1): ParsedUserConfig {
  return { config: { source }, problems: [{ kind, source, line, column, message }] };
}

export function parseUserConfig(text: string, source: string): ParsedUserConfig {
  if (Buffer.byteLength(text, 'utf8') > maxUserConfigBytes) {
    return wholeSourceIgnored(source, 'limit', `larger than ${maxUserConfigBytes} bytes`);
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // The parser recurses per nesting level: thousands of `[` can exhaust the stack.
    return wholeSourceIgnored(source, 'limit', `cannot be parsed: ${describeError(error)}`);
  }
  if (doc.errors.length > 0) {
    return {
      config: { source },
      problems: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { kind: 'syntax', source, line: Math.max(1, line), column: Math.max(1, col), message: error.message };
      }),
    };
  }
  try {
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    return wholeSourceIgnored(source, 'limit', `too many aliases: ${describeError(error)}`);
  }
  // An empty file, or one of comments only, configures nothing and is no mistake.
  if (data === null || data === undefined) return { config: { source }, problems: [] };
  const reader = new LayerReader(doc, lineCounter, source);
  reader.section(data, [], reader.handlers);
  return reader.finish();
}
