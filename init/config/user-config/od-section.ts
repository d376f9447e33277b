// The `od:` mapping: any kernel option, without its `od.` prefix, as a kernel
// parameter for the option table, which validates it as it does the command line's.
// `dhcp.timeout: 20` and `dhcp: { timeout: 20 }` are the same option.
import type { RawValue } from '../values.ts';
import type { PathSegment } from './yaml-positions.ts';

export interface OdEntry {
  /** Under `od`, as written: ['dhcp.timeout'] or ['dhcp', 'timeout']. */
  path: PathSegment[];
  /** Without the prefix: `dhcp.timeout`. */
  key: string;
  value: RawValue;
}

export interface OdIssue {
  path: PathSegment[];
  message: string;
}

const isPlainMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A value as the command line would carry it: true is a bare flag, false is "0" (every
 * flag takes it), numbers as written, lists joined with commas (od.net.dns, od.console).
 */
function rawValue(value: unknown): RawValue | undefined {
  if (value === true) return true;
  if (value === false) return '0';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) return value.join(',');
  return undefined;
}

// Deep enough for any option key there is (od.remote.insecure has three parts).
const maxDepth = 8;

export function odEntries(section: unknown): { entries: OdEntry[]; issues: OdIssue[] } {
  const entries: OdEntry[] = [];
  const issues: OdIssue[] = [];
  if (!isPlainMapping(section)) return { entries, issues: [{ path: [], message: 'expected a mapping of option to value, e.g. { debug: true }' }] };
  const walk = (mapping: Record<string, unknown>, path: string[]) => {
    for (const [name, value] of Object.entries(mapping)) {
      const here = [...path, name];
      if (isPlainMapping(value) && here.length < maxDepth) {
        walk(value, here);
        continue;
      }
      const raw = rawValue(value);
      if (raw === undefined) issues.push({ path: here, message: 'expected true/false, a number, a string or a list of strings' });
      else entries.push({ path: here, key: here.join('.'), value: raw });
    }
  };
  walk(section, []);
  return { entries, issues };
}
