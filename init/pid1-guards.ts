import type { BootConsole } from './console.ts';

export type FatalHandler = (what: string, error: unknown) => void;

/**
 * PID 1 must not exit: the kernel panics. Uncaught errors are logged and handed to
 * `onFatal` (the emergency shell) instead of ending the process, and process.exit is
 * turned into the same path so no library can end the init by accident.
 */
export function installPid1Guards(console: BootConsole, onFatal: FatalHandler): void {
  process.on('uncaughtException', (error) => onFatal('uncaught exception', error));
  process.on('unhandledRejection', (reason) => onFatal('unhandled promise rejection', reason));
  process.exit = ((code?: number | string | null) => {
    console.error(`process.exit(${code ?? ''}) called in PID 1; refusing (an exit would panic the kernel)`);
    onFatal('exit requested', new Error(`process.exit(${code ?? ''})`));
    return undefined as never;
  }) as typeof process.exit;
}

/** An event loop with nothing scheduled ends the process; this keeps one thing scheduled. */
export function keepAlive(): void {
  setInterval(() => {}, 1 << 30);
}
