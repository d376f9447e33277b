import type { TlsLayout } from './layout.ts';

/** What prepareTls leaves in the boot context for startDockerd and refreshTls. */
export interface TlsState {
  layout: TlsLayout;
  /** On the DOCKER disk: the same CA and client certificate after a reboot. */
  persistent: boolean;
  /** Certificates put there by someone else (no CA key): never replaced. */
  managedByUser: boolean;
}
