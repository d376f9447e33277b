/** od.log: where dockerd's output goes and whether logs are kept under /var/log. */
export type LogTarget = 'file' | 'console' | 'both';

export const logTargets: readonly LogTarget[] = ['file', 'console', 'both'];

export interface LogRouting {
  /** Keep /var/log/docker.log and /var/log/only-docker-init.log. */
  file: boolean;
  /** dockerd's lines on the console too, as `dockerd: …`. */
  console: boolean;
}

/**
 * Unset, od.log follows od.debug: a debug boot shows dockerd on the console and keeps
 * the files (the seeds' DOCKER_LAUNCH_DEBUG); a normal boot keeps the files and leaves
 * the console to the init's own lines. An explicit od.log wins over od.debug.
 */
export function resolveLogRouting(log: LogTarget | null, debug: boolean): LogRouting {
  const target = log ?? (debug ? 'both' : 'file');
  return { file: target !== 'console', console: target !== 'file' };
}
