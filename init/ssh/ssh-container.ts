// The SSH server as a container: dropbear in the console image, with a console's
// privileges and mounts, so a session over SSH is the same dom0 as the one on a
// terminal. Pure: the create body and the script it runs.
import type { ContainerSpec } from '../docker/containers.ts';
import { consoleHostAccess, type ConsoleMountOptions } from '../supervise/console-container.ts';

export const sshContainerName = 'ssh';

/** On the host network: port 22 of the machine (run.sh forwards a host port to it). */
export const sshPort = 22;

/** Where dropbear looks for root's keys (its home is /root). */
export const sshAuthorizedKeysTarget = '/root/.ssh/authorized_keys';

/**
 * Host key types made when missing. No RSA: generating one takes long under emulation
 * (TCG), and every OpenSSH client of the last decade speaks ed25519 or ECDSA.
 */
export const sshHostKeyTypes = ['ed25519', 'ecdsa'] as const;

/** The line the script writes once the host keys are listed, right before dropbear starts. */
export const sshHostKeysReadyLine = 'only-docker-ssh: host keys ready';

/**
 * Run by the image's /bin/sh: host keys made when missing (written under a temporary
 * name, so a power cut never leaves a half key that dropbear would refuse; dropbearkey
 * also writes the public half beside it, kept as KEY.pub for `ssh-keygen -lf`), each one's
 * public half listed on stdout (`dropbearkey -y`) for the init to report, then dropbear
 * in the foreground (-F), logging to stderr (-E), with no password logins at all (-s).
 * An image without dropbear (a custom console) says so and exits.
 */
export const sshServerScript = `set -e
for tool in dropbear dropbearkey; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "only-docker-ssh: $tool is not in this image: the SSH server needs a console image with dropbear (the bundled one has it)" >&2
    exit 127
  fi
done
set --
for type in ${sshHostKeyTypes.join(' ')}; do
  key="$SSH_HOST_KEY_DIR/dropbear_\${type}_host_key"
  if [ ! -s "$key" ]; then
    rm -f "$key.new" "$key.new.pub"
    dropbearkey -t "$type" -f "$key.new" >/dev/null
    mv -f "$key.new" "$key"
    if [ -f "$key.new.pub" ]; then mv -f "$key.new.pub" "$key.pub"; fi
  fi
  dropbearkey -y -f "$key"
  set -- "$@" -r "$key"
done
echo "${sshHostKeysReadyLine}"
exec dropbear -F -E -s -p "$SSH_PORT" "$@"
`;

export interface SshSpecOptions extends ConsoleMountOptions {
  image: string;
  /** Where the host keys are kept (seen at the same path inside: /var/lib/docker is bound). */
  hostKeyDir: string;
  /** The authorized keys file the init wrote, bound read-only where dropbear reads it. */
  authorizedKeysFile: string;
}

/**
 * A console's host access (privileged, host network and pid, the same mounts) plus the
 * authorized keys, read-only. Restart policy unless-stopped: dockerd brings a crashed
 * server back, and leaves it stopped when a person stopped it. Logs kept, but bounded:
 * dropbear logs each login attempt, and on a machine that faces a network those never
 * stop. json-file named here because daemon.json may choose a driver that cannot be
 * read back, and the init reads the host keys from the log.
 */
export function sshContainerSpec(options: SshSpecOptions): ContainerSpec {
  const access = consoleHostAccess(options);
  return {
    Image: options.image,
    // An entrypoint of our own: the image's command (a login shell) is then not used.
    Entrypoint: ['/bin/sh', '-c', sshServerScript, 'only-docker-ssh'],
    Env: [`SSH_HOST_KEY_DIR=${options.hostKeyDir}`, `SSH_PORT=${sshPort}`],
    Labels: { 'io.only-docker.role': 'ssh' },
    HostConfig: {
      ...access,
      Binds: [...access.Binds, `${options.authorizedKeysFile}:${sshAuthorizedKeysTarget}:ro`],
      RestartPolicy: { Name: 'unless-stopped' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    },
  };
}

/** The authorized_keys file: one configured key a line. */
export function renderAuthorizedKeys(keys: readonly string[]): string {
  return keys.map((key) => `${key.trim()}\n`).join('');
}
