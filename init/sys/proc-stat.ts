/**
 * Splits /proc/<pid>/stat into the pid, the command name and the fields after it. The
 * name is in parentheses and may itself hold spaces and parentheses, so the fields
 * are counted from the last ')': fields[0] is the state, fields[1] the ppid, and so on
 * (field n of proc(5) is fields[n - 3]).
 */
export function splitProcStat(text: string): { pid: number; comm: string; fields: string[] } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid)) return undefined;
  return { pid, comm: text.slice(open + 1, close), fields: text.slice(close + 2).split(' ') };
}
