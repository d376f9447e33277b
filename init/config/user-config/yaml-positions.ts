// Where a value of the parsed file sits in its text, so a problem can say "line 4
// column 3". Paths are the keys and list indexes from the top of the document, as
// zod's issues give them.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Position {
  line: number;
  column: number;
}

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/**
 * The node at `path` (its key's node with `atKey`, for an unknown key), or the deepest
 * one found on the way when the path ends early (a missing required key is reported at
 * the mapping that lacks it). Aliases are followed.
 */
function nodeAt(doc: Document, path: Path, atKey: boolean): Node | undefined {
  let current: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const [i, segment] of path.entries()) {
    if (isAlias(current)) current = current.resolve(doc);
    let next: unknown;
    if (isMap(current)) {
      const pair = current.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) return found;
      if (atKey && i === path.length - 1 && pair.key && typeof pair.key === 'object') return pair.key as Node;
      next = pair.value ?? pair.key;
    } else if (isSeq(current) && typeof segment === 'number') {
      next = current.items[segment];
    } else {
      return found;
    }
    if (next === null || typeof next !== 'object') return found;
    current = next;
    found = next as Node;
  }
  return found;
}

export function positionOf(doc: Document, lineCounter: LineCounter, path: Path, atKey = false): Position {
  const offset = nodeAt(doc, path, atKey)?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

/** `services[0].restart`, `docker.env.HTTP_PROXY`; an odd key in quotes: `docker.env["a b"]`. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_.-]+$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
