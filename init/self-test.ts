import { parseConfig } from './config/options.ts';
import { loadKoffi } from './sys/koffi.ts';
import { createLibcSys } from './sys/libc.ts';
import { initVersion } from './version.ts';

function isSea(): boolean {
  // getBuiltinModule works the same in the CJS bundle and under tsx's ESM, where a
  // static import of node:sea would also break hosts older than Node 20.12.
  const sea = process.getBuiltinModule?.('node:sea') as { isSea?: () => boolean } | undefined;
  return sea?.isSea?.() ?? false;
}

/**
 * `init --self-test`: proves on the build host that the bundle runs inside the binary,
 * that koffi's native module loads (OD_KOFFI_PATH points at it there) and that every
 * libc function the init binds resolves. Prints one JSON line; exit code 0 when ok.
 */
export function selfTest(write: (line: string) => void): number {
  // main.ts boots as PID 1 and never gets here; this is the guard should that change.
  if (process.pid === 1) throw new Error('the self-test is for the build host, not PID 1');
  const report: Record<string, unknown> = { od: 'selftest', status: 'ok', version: initVersion, node: process.version, sea: isSea() };
  try {
    const koffi = loadKoffi();
    createLibcSys(koffi);
    report.koffi = (koffi as unknown as { version?: string }).version ?? 'unknown';
    report.config = parseConfig('od.debug od.hostname=self-test').config.hostname === 'self-test';
  } catch (error) {
    report.status = 'failed';
    report.error = (error as Error).message;
  }
  write(JSON.stringify(report));
  return report.status === 'ok' ? 0 : 1;
}
