import { build, type Metafile } from 'esbuild';
import { execa } from 'execa';
import { chmod, copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OdError } from '../../contract/errors.ts';

// Compiles the init (TypeScript) into one self-contained executable: a Node single
// executable application. esbuild bundles every module into one CommonJS file (inside
// a SEA only built-in modules can be required), Node turns it into a blob with a V8
// code cache, and postject injects the blob into a stripped copy of the host's node.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** The fuse Node looks for to know a SEA blob was injected. */
export const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const seaSection = 'NODE_SEA_BLOB';
/**
 * Shared libraries the binary (a dynamically linked node) needs at run time. The
 * builder computes the real closure with its own ELF reader; this list is what to
 * expect, for checks and error messages.
 */
export const initLibraryNeeds = [
  'libc.so.6',
  'libm.so.6',
  'libstdc++.so.6',
  'libgcc_s.so.1',
  'libdl.so.2',
  'libpthread.so.0',
  'ld-linux-x86-64.so.2',
] as const;

export class InitBinaryBuildError extends OdError {
  readonly stage: string;

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(`init binary, ${stage}: ${message}`, options);
    this.stage = stage;
  }
}

export interface BuildInitBinaryOptions {
  /** The executable to write (mode 0755). */
  outFile: string;
  /** Scratch space; the intermediate files go to a subdirectory of it. */
  workDir: string;
  /** The node binary to embed; the host's by default. It must be the one that makes the blob. */
  nodeBinary?: string;
  /** `strip` program; the default finds it on PATH. */
  strip?: string;
  /** Entry point; init/main.ts by default. */
  entry?: string;
}

export interface InitBinary {
  path: string;
  bytes: number;
}

/** Host path of koffi's prebuilt native module, which the initrd carries at KOFFI_PATH (contract/initrd-layout.ts). */
export function koffiNativePath(): string {
  const pkg = require.resolve('@koromix/koffi-linux-x64/package.json');
  return join(dirname(pkg), 'linux_x64', 'koffi.node');
}

async function stage<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InitBinaryBuildError) throw error;
    throw new InitBinaryBuildError(name, (error as Error).message, { cause: error });
  }
}

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Every import left outside the bundle must be a Node built-in, or the binary breaks at run time. */
export function nonBuiltinImports(metafile: Metafile): string[] {
  const bad = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && !builtins.has(imported.path)) bad.add(imported.path);
    }
  }
  return [...bad].sort();
}

export async function bundleInit(entry: string, outfile: string): Promise<void> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Paths in the bundle's comments are relative to the repository, so the output
    // does not depend on where the checkout lives.
    absWorkingDir: repoRoot,
    legalComments: 'none',
    sourcemap: false,
    minify: false,
    metafile: true,
    logLevel: 'silent',
    // esbuild would otherwise pick up a package's "browser" or ESM-only fields; the
    // bundle runs on Node only.
    mainFields: ['module', 'main'],
  });
  for (const warning of result.warnings) {
    // import.meta in a CJS bundle is empty: code that relies on it would misbehave.
    if (/import\.meta/.test(warning.text)) throw new Error(`${warning.text} at ${warning.location?.file}:${warning.location?.line}`);
  }
  const bad = nonBuiltinImports(result.metafile);
  if (bad.length > 0) throw new Error(`imports that cannot be bundled: ${bad.join(', ')}`);
}

/**
 * Builds the init executable. The same inputs (sources, node_modules, host node and
 * strip) give the same bytes: esbuild's output is stable, the blob and code cache are
 * produced from that bundle alone, and strip and postject have no timestamps.
 */
export async function buildInitBinary(opts: BuildInitBinaryOptions): Promise<InitBinary> {
  const nodeBinary = opts.nodeBinary ?? process.execPath;
  const entry = opts.entry ?? join(repoRoot, 'init/main.ts');
  const scratch = join(opts.workDir, 'init-binary');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const bundle = join(scratch, 'init.cjs');
  const blob = join(scratch, 'init.blob');
  const seaConfig = join(scratch, 'sea-config.json');
  const binary = join(scratch, 'init');

  await stage('bundle', () => bundleInit(entry, bundle));

  await stage('sea blob', async () => {
    await writeFile(
      seaConfig,
      `${JSON.stringify(
        {
          // Relative (Node runs in the scratch directory): the blob records the main
          // script's name, and an absolute path would make it depend on workDir.
          main: basename(bundle),
          output: basename(blob),
          disableExperimentalSEAWarning: true,
          useSnapshot: false,
          // Compiled code in the blob: V8 skips parsing the bundle at every boot,
          // which is slow under TCG.
          useCodeCache: true,
        },
        null,
        2,
      )}\n`,
    );
    // V8's code cache is not byte-for-byte reproducible on its own (object layout and
    // string hashes vary from run to run). --predictable makes it so, and V8 leaves that
    // flag out of the flag hash a cache is checked against, so the binary, which runs
    // without it, still accepts the cache.
    await execa(nodeBinary, ['--predictable', '--experimental-sea-config', seaConfig], { cwd: scratch });
  });

  await stage('strip', async () => {
    await copyFile(nodeBinary, binary);
    await chmod(binary, 0o755);
    // Before injecting: stripping afterwards would drop the injected section.
    await execa(opts.strip ?? 'strip', ['--strip-all', binary]);
  });

  await stage('inject', async () => {
    // postject's CLI in a child process, not its API: its ELF library prints
    // "Can't find string offset for section name" warnings straight to stderr, which
    // would clutter the build's output; here they are captured and only shown on failure.
    const cli = require.resolve('postject/dist/cli.js');
    const result = await execa(process.execPath, [cli, binary, seaSection, blob, '--sentinel-fuse', seaFuse], { reject: false });
    if (result.exitCode !== 0) throw new Error(`postject exited ${result.exitCode}: ${result.stderr || result.stdout}`);
  });

  return stage('install', async () => {
    await mkdir(dirname(opts.outFile), { recursive: true });
    const temporary = `${opts.outFile}.partial`;
    await copyFile(binary, temporary);
    await chmod(temporary, 0o755);
    await rename(temporary, opts.outFile);
    return { path: opts.outFile, bytes: (await stat(opts.outFile)).size };
  });
}

/**
 * Runs `init --self-test` on the build host with koffi from node_modules: proves the
 * bundle runs inside the binary and every libc binding resolves. Returns its report.
 *
 * Safe on the build host: the binary boots only as PID 1 (init/main.ts), and here it is
 * an ordinary child of the builder, started in its scratch directory with an environment
 * of one variable and killed after 60 s. The self-test binds the libc functions without
 * calling any of them and parses a fixed command line: it mounts, signals and writes
 * nothing.
 */
export async function smokeTestInitBinary(path: string): Promise<Record<string, unknown>> {
  const result = await execa(path, ['--self-test'], {
    cwd: dirname(path),
    env: { OD_KOFFI_PATH: koffiNativePath() },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  let report: Record<string, unknown> | undefined;
  try {
    report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    // reported below
  }
  // Node warns (and compiles from source) when V8 refuses the embedded code cache,
  // e.g. when the blob was made with V8 flags the binary does not run with.
  if (/Code cache data rejected/.test(result.stderr)) {
    throw new InitBinaryBuildError('smoke test', `${path}: V8 rejected the embedded code cache`);
  }
  if (result.exitCode !== 0 || report?.status !== 'ok') {
    throw new InitBinaryBuildError(
      'smoke test',
      `${path} --self-test exited ${result.exitCode}: ${result.stdout.trim()} ${result.stderr.trim()}`.trim(),
    );
  }
  return report;
}
