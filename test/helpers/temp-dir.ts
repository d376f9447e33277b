// Scratch directories for tests, the one way every tier makes them: under the system's
// temporary directory, named by a prefix so a leftover says whose it is, and removed
// when the test (or the body) ends, whether it passed or not.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory, removed after the test `t` (node:test's context). */
export function tempDir(t: { after(fn: () => unknown): void }, prefix = 'od-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `body` with a fresh directory, removed afterwards. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
