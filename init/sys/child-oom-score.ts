import { readFileSync, writeFileSync } from 'node:fs';

/** The score every child of the init gets: the kernel's default. */
export const childOomScoreAdj = 0;

/**
 * Runs a synchronous spawn with the init's own oom_score_adj set to the children's,
 * then puts the init's back.
 *
 * PID 1 keeps -1000 and a child inherits its parent's score at fork, so without this the
 * VT2 shell, e2fsck, mke2fs, the emergency shell and the docker clients could not be
 * OOM-killed: a memory hog started from there would take containers and dockerd down
 * instead. spawn() forks and execs before it returns, so the child holds the normal
 * score from its first instruction. That is race-free where the alternatives are not:
 * writing /proc/<pid>/oom_score_adj after spawn() leaves a window in which a shell has
 * already forked children of its own with -1000, and an `sh -c 'echo 0 > ...; exec'`
 * wrapper turns a missing program into exit code 127 instead of a spawn error. The init
 * risks nothing in between: the kernel never chooses the global init as an OOM victim
 * (oom_unkillable_task); its -1000 matters only through what it hands down.
 */
export function spawnWithChildOomScore(path: string): <T>(spawn: () => T) => T {
  return (spawn) => {
    let own: string | undefined;
    try {
      own = readFileSync(path, 'utf8').trim();
      if (Number(own) === childOomScoreAdj) own = undefined;
      else writeFileSync(path, `${childOomScoreAdj}\n`);
    } catch {
      // No /proc yet (before mountPseudoFilesystems): the init still has the default score.
      own = undefined;
    }
    try {
      return spawn();
    } finally {
      try {
        if (own !== undefined) writeFileSync(path, `${own}\n`);
      } catch {
        // Only the init's own score is lost, and the kernel never picks PID 1 anyway.
      }
    }
  };
}
