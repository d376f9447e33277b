// The lines the init writes to the host on the forward channel, one per change. Each
// `ports` line is the whole current set, never a difference: the host makes its
// forwards match it, so a line it missed or read twice does no harm.
//
//   docker 26.1.5 1.45          the engine and API version, once dockerd answers
//   ports tcp:8080 udp:5353     the published ports now (`ports` alone: none)
import type { PublishedPort } from './published-ports.ts';

export function portsLine(ports: readonly PublishedPort[]): string {
  return ['ports', ...ports.map((p) => `${p.protocol}:${p.port}`)].join(' ');
}

export function dockerLine(version: string, apiVersion: string): string {
  return `docker ${version} ${apiVersion}`;
}
