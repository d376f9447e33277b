// Validates one element of the file (a service, a file, the swarm, one key) against its
// strict schema. Unknown keys are reported and left out, and the element is kept when
// the rest is good: a typo in an optional key should not cost a whole service. Any other
// issue costs the element.
import type * as z from 'zod/mini';
import type { PathSegment } from './yaml-positions.ts';
import { refusedPath } from './user-config-schema.ts';

export interface ElementIssue {
  kind: 'unknown' | 'invalid' | 'refused';
  /** Relative to the element. */
  path: PathSegment[];
  message: string;
}

export type ElementResult<T> = { ok: true; value: T; issues: ElementIssue[] } | { ok: false; issues: ElementIssue[] };

type Issue = z.core.$ZodIssue;

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

const genericMessage = 'Invalid input';

// zod/mini carries no message texts ("Invalid input") to stay small: the schemas give
// their own, and the generic kinds are worded here.
function issueMessage(issue: Issue, input: unknown): string {
  if (issue.message !== genericMessage) return issue.message;
  if (valueAt(input, issue.path) === undefined) return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeNames[issue.expected] ?? issue.expected}`;
    case 'invalid_key':
      return issue.issues.map((inner) => issueMessage(inner, undefined)).join('; ');
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    default:
      return 'not a valid value';
  }
}

function isRefused(issue: Issue): boolean {
  return issue.code === 'custom' && (issue.params as Record<string, unknown> | undefined)?.refused === refusedPath.refused;
}

function withoutKeys(value: unknown, at: readonly PropertyKey[], keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<PropertyKey, unknown>;
  if (at.length === 0) {
    for (const key of keys) delete copy[key];
  } else {
    copy[at[0]!] = withoutKeys(copy[at[0]!], at.slice(1), keys);
  }
  return copy;
}

const asPath = (path: readonly PropertyKey[]): PathSegment[] => path.map((s) => (typeof s === 'number' ? s : String(s)));

export function validateElement<T>(schema: z.ZodMiniType<T>, input: unknown): ElementResult<T> {
  let value = input;
  let result = schema.safeParse(value);
  const unknown: ElementIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      unknown.push(...issue.keys.map((key): ElementIssue => ({ kind: 'unknown', path: [...asPath(issue.path), key], message: 'unknown key' })));
      value = withoutKeys(value, issue.path, issue.keys);
    }
    // zod reports every unknown key of every level in one pass: one more is enough.
    if (unknown.length > 0) result = schema.safeParse(value);
  }
  if (result.success) return { ok: true, value: result.data, issues: unknown };
  const invalid = result.error.issues.map(
    (issue): ElementIssue => ({ kind: isRefused(issue) ? 'refused' : 'invalid', path: asPath(issue.path), message: issueMessage(issue, value) }),
  );
  return { ok: false, issues: [...unknown, ...invalid] };
}

