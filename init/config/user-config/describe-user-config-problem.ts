import { printable } from '../../logs/printable.ts';
import type { UserConfigProblem } from './user-config.ts';

/**
 * One console line per problem: where, what, and what the init did instead:
 * `config /dev/sr1:user-data line 4 column 3: unknown key docker.deamon ignored`.
 * Keys and messages quote the file: control characters are shown, not sent.
 */
export function describeUserConfigProblem(problem: UserConfigProblem): string {
  const where = `config ${problem.source} line ${problem.line} column ${problem.column}`;
  let what: string;
  switch (problem.kind) {
    case 'syntax':
    case 'limit':
      what = `${problem.message}; the whole source ignored`;
      break;
    case 'unknown':
      what = `unknown key ${problem.path} ignored`;
      break;
    case 'invalid':
      what = `bad value${problem.path ? ` for ${problem.path}` : ''}: ${problem.message}; ${problem.outcome}`;
      break;
    case 'refused':
      what = `refused ${problem.path}: ${problem.message}; ${problem.outcome}`;
      break;
  }
  return printable(`${where}: ${what}`);
}
