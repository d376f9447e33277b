// What every output writer is given and what it returns. Assembly (the build) and
// output writing are kept apart: writers only read the built artifacts in outDir.

export interface OutputInputs {
  /** Where the artifacts are and the outputs go (config: outDir). */
  outDir: string;
  /** The built kernel (normally <outDir>/vmlinuz). */
  vmlinuz: string;
  /** The built initrd (normally <outDir>/initrd.img). */
  initrd: string;
  /** The default kernel command line (config: kernel.cmdline). */
  cmdline: string;
  /** The release version (package.json), shown in boot menus and the ISO's volume set. */
  version: string;
  /** Fixed time of every file the outputs contain, in seconds (config: sourceDateEpoch). */
  sourceDateEpoch: number;
  /** Rebuild even when the output is newer than its inputs. */
  force?: boolean;
}

export interface OutputResult {
  /** The main file written (or found up to date). */
  path: string;
  /** True when the output was already up to date and nothing was written. */
  skipped: boolean;
  bytes: number;
  /** Something a person should know (e.g. a stale ISO left out of the bundle). */
  notes?: string[];
}

export type OutputWriter = (inputs: OutputInputs) => Promise<OutputResult>;
