// dockerd's command line in container mode, as docker:dind builds it: the unix socket
// and a TCP listener (TLS on 2376 with client verification, or plain 2375 when
// DOCKER_TLS_CERTDIR is empty), unless the user's own arguments name the hosts.
import { setsFlag } from '../dockerd/dockerd-args.ts';
import type { TlsLayout } from '../tls/layout.ts';
import { insecurePort, tlsPort } from '../tls/remote-args.ts';
import type { DindSettings } from './dind-settings.ts';

export interface ContainerDockerdArgs {
  args: string[];
  /** The listeners, for the ready line. */
  listeners: string[];
  /** Said loudly before dockerd starts. */
  warnings: string[];
}

export function containerDockerdArgs(
  settings: DindSettings,
  userArgs: readonly string[],
  tls: TlsLayout | undefined,
  socket = '/var/run/docker.sock',
): ContainerDockerdArgs {
  const args: string[] = [];
  const listeners: string[] = [];
  const warnings: string[] = [];
  if (setsFlag(userArgs, ['-H', '--host'])) {
    listeners.push('as the arguments say (-H/--host given)');
  } else if (tls) {
    args.push(
      `--host=unix://${socket}`,
      `--host=tcp://0.0.0.0:${tlsPort}`,
      '--tlsverify',
      `--tlscacert=${tls.server.ca}`,
      `--tlscert=${tls.server.cert}`,
      `--tlskey=${tls.server.key}`,
    );
    listeners.push(`unix://${socket}`, `tcp://0.0.0.0:${tlsPort} (TLS, client certificates from ${tls.client.dir})`);
  } else {
    args.push(`--host=unix://${socket}`, `--host=tcp://0.0.0.0:${insecurePort}`);
    listeners.push(`unix://${socket}`, `tcp://0.0.0.0:${insecurePort} (plain HTTP, no authentication)`);
    const bar = '!'.repeat(72);
    warnings.push(
      bar,
      `!! DOCKER_TLS_CERTDIR is empty: the Docker API listens on tcp port ${insecurePort} WITHOUT TLS`,
      '!! and without authentication. Anything that can reach this container (other',
      '!! containers on its network included) can run privileged containers here.',
      '!! Leave DOCKER_TLS_CERTDIR unset (default /certs) to get TLS on 2376.',
      bar,
    );
  }
  if (settings.storageDriver && !setsFlag(userArgs, ['-s', '--storage-driver'])) args.push(`--storage-driver=${settings.storageDriver}`);
  if (settings.debug && !setsFlag(userArgs, ['-D', '--debug'])) args.push('--debug');
  return { args: [...args, ...userArgs], listeners, warnings };
}
