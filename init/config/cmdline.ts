// Splits a kernel command line the way the kernel's own next_arg() does, so the init
// sees the same parameters and values the kernel saw: whitespace separates parameters,
// double quotes protect whitespace (there is no escape character), and one pair of
// quotes around a value, or around the whole parameter, is dropped.

export interface KernelParam {
  key: string;
  /** `true` for a bare flag without `=`. */
  value: string | true;
}

const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

export function tokenizeCmdline(cmdline: string): KernelParam[] {
  const params: KernelParam[] = [];
  let i = 0;
  const text = cmdline;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i]!)) i++;
    if (i >= text.length) break;

    let inQuote = false;
    let quoted = false;
    let start = i;
    if (text[i] === '"') {
      start = ++i;
      inQuote = true;
      quoted = true;
    }
    let equals = -1;
    while (i < text.length) {
      const ch = text[i]!;
      if (isSpace(ch) && !inQuote) break;
      if (equals === -1 && ch === '=') equals = i;
      if (ch === '"') inQuote = !inQuote;
      i++;
    }
    let end = i;
    let param: string;
    let value: string | true;
    if (equals === -1) {
      if (quoted && end > start && text[end - 1] === '"') end--;
      param = text.slice(start, end);
      value = true;
    } else {
      param = text.slice(start, equals);
      let valueStart = equals + 1;
      if (text[valueStart] === '"') {
        valueStart++;
        if (end > valueStart && text[end - 1] === '"') end--;
      } else if (quoted && end > valueStart && text[end - 1] === '"') {
        end--;
      }
      value = text.slice(valueStart, end);
    }
    params.push({ key: param, value });
  }
  return params;
}

/**
 * Splits a value such as od.dockerd.args into argv words. The kernel command line
 * cannot nest double quotes, so single quotes group words with spaces inside them.
 * Returns an error string for an unterminated quote.
 */
export function splitArgs(value: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let inQuote = false;
  for (const ch of value) {
    if (inQuote) {
      if (ch === "'") inQuote = false;
      else word += ch;
    } else if (ch === "'") {
      inQuote = true;
      inWord = true;
    } else if (isSpace(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inQuote) return { error: 'unterminated single quote' };
  if (inWord) words.push(word);
  return words;
}

/** A parameter from somewhere other than the kernel command line, and where it came from, for its problems. */
export interface SourcedParam extends KernelParam {
  /** Where, for a person: `/dev/sr1:user-data line 12 column 3`. */
  source: string;
}
