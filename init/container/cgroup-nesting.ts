// cgroup v2 nesting, as the docker:dind entrypoint does it: a cgroup that holds
// processes cannot hand its controllers down to children ("no internal processes"), so
// every process of the container moves into a leaf, `init`, and then each controller
// is enabled for the children dockerd will create. Without this, containers of the
// inner dockerd get no memory or cpu limits, and runc fails to create them on some hosts.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OdError } from '../../contract/errors.ts';

export class CgroupNestingError extends OdError {}

export interface NestingResult {
  /** 'v1' (nothing to do: hierarchies are mounted as they are), or v2's enabled controllers. */
  version: 'v1' | 'v2';
  moved: number;
  controllers: string[];
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Moves every process of the container's cgroup into `<root>/<leaf>` and enables all
 * controllers in the root's subtree_control. Safe to repeat (a restarted container): a
 * process already moved is simply not listed any more.
 */
export function nestCgroups(root = '/sys/fs/cgroup', leaf = 'init'): NestingResult {
  const controllersFile = join(root, 'cgroup.controllers');
  if (!existsSync(controllersFile)) return { version: 'v1', moved: 0, controllers: [] };
  const leafDir = join(root, leaf);
  try {
    mkdirSync(leafDir, { recursive: true });
  } catch (cause) {
    throw new CgroupNestingError(`cannot create ${leafDir}: ${(cause as Error).message}`, { cause });
  }
  let moved = 0;
  // The kernel takes one pid per write. A process that ended meanwhile (ESRCH) is fine.
  for (const pid of readFileSync(join(root, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    try {
      appendFileSync(join(leafDir, 'cgroup.procs'), pid);
      moved++;
    } catch (error) {
      if (errnoCode(error) !== 'ESRCH') {
        throw new CgroupNestingError(`cannot move process ${pid} into ${leafDir}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  const controllers = readFileSync(controllersFile, 'utf8').split(/\s+/).filter(Boolean);
  if (controllers.length > 0) {
    try {
      appendFileSync(join(root, 'cgroup.subtree_control'), controllers.map((c) => `+${c}`).join(' '));
    } catch (cause) {
      throw new CgroupNestingError(`cannot enable the controllers ${controllers.join(' ')} in ${root}: ${(cause as Error).message}`, { cause });
    }
  }
  return { version: 'v2', moved, controllers };
}
