// The SSH server's host keys as its container reports them (the public key lines of
// `dropbearkey -y`), with the fingerprints OpenSSH shows at the first connection, so a
// person can compare them. Pure.
import { createHash } from 'node:crypto';
import { sshHostKeysReadyLine } from './ssh-container.ts';

export interface HostKey {
  /** The key's algorithm as OpenSSH names it: ssh-ed25519, ecdsa-sha2-nistp256... */
  type: string;
  /** `SHA256:` and the unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

const publicKeyLine = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa|ssh-dss) ([A-Za-z0-9+/]+={0,2})(?:\s|$)/;

/**
 * Computed here from the public key rather than read from dropbearkey's own
 * "Fingerprint:" line, whose form has changed between releases (sha1!! in old ones).
 */
export function sshFingerprint(base64Blob: string): string {
  const digest = createHash('sha256').update(Buffer.from(base64Blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/**
 * The host keys listed before the last "host keys ready" line of a log (a restarted
 * server lists them again: only the last run counts), one per type; undefined while no
 * run has got that far.
 */
export function parseHostKeyReport(log: readonly string[]): HostKey[] | undefined {
  const lines = log.map((line) => line.trimEnd());
  const ready = lines.lastIndexOf(sshHostKeysReadyLine);
  if (ready < 0) return undefined;
  const keys = new Map<string, string>();
  for (let index = ready - 1; index >= 0 && lines[index] !== sshHostKeysReadyLine; index--) {
    const match = publicKeyLine.exec(lines[index]!.trim());
    if (match && !keys.has(match[1]!)) keys.set(match[1]!, sshFingerprint(match[2]!));
  }
  return [...keys].reverse().map(([type, fingerprint]) => ({ type, fingerprint }));
}
