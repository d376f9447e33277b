// The configuration's view of the Debian sources: what the lock is made for, where it
// lives and which mirrors serve it. Shared by `lock` and `build`, so both agree.
import { resolve } from 'node:path';
import type { BuildConfig } from '../config/schema.ts';
import { REPO_ROOT } from '../project.ts';
import { resolveMirrors, type Mirrors } from './apt-sources.ts';
import { suitePockets } from './debian-suite.ts';
import type { LockRequest } from './lock-file.ts';

export function lockRequest(config: BuildConfig): LockRequest {
  return { suite: config.debian.suite, packages: [config.kernel.package, ...config.packages], exclude: config.debian.exclude };
}

export function lockPath(config: BuildConfig): string {
  return resolve(REPO_ROOT, config.debian.lockFile);
}

export function configMirrors(config: BuildConfig, env: NodeJS.ProcessEnv = process.env): Promise<Mirrors> {
  const needSecurity = suitePockets(config.debian.suite).some((p) => p.mirror === 'security');
  return resolveMirrors({ mirror: config.debian.mirror, securityMirror: config.debian.securityMirror }, { needSecurity, env });
}
