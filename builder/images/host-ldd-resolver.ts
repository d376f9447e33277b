// A stand-in library resolver for tests and manual checks only: it asks the build
// host's ldd, so it answers with the host's libraries. Real builds inject
// builder/sources/library-closure.ts, which resolves inside the staging root.
import { execa } from 'execa';
import type { LibraryFile } from './rootfs-plan.ts';

/** `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` and `/lib64/ld-linux-x86-64.so.2 (0x...)`. */
export function parseLddOutput(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.push(match[1]);
  }
  return paths;
}

export async function hostLddResolver(binaryPaths: string[]): Promise<LibraryFile[]> {
  const targets = new Set<string>();
  for (const binary of binaryPaths) {
    const { stdout } = await execa('ldd', [binary]);
    for (const path of parseLddOutput(stdout)) targets.add(path);
  }
  return [...targets].sort().map((path) => ({ sourcePath: path, targetPath: path }));
}
