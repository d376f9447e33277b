// The configuration the init runs with, as the console reads it under
// /run/only-docker/config.json: what each od.* option ended up as, wherever it came
// from, and the user configuration. Nothing a reader of that file should not see:
// file contents and the swarm's join token are left out, SSH keys are counted.
import type { InitConfig } from './init-config.ts';
import { optionTable } from './option-table.ts';
import { formatIpv4Cidr } from '../net/ipv4-cidr.ts';

const redacted = '(redacted)';

/** The comment of an authorized_keys line (often user@host), without the key itself. */
function keyComment(line: string): string {
  return line.split(' ').slice(2).join(' ');
}

export function effectiveConfigJson(config: InitConfig): string {
  const { user } = config;
  const options = Object.fromEntries(optionTable.map((spec) => [spec.key, spec.show(spec.read(config))]));
  const files = user.files.map(({ content, mode, ...file }) => ({
    ...file,
    mode: mode.toString(8).padStart(4, '0'),
    contentBytes: Buffer.byteLength(content, file.encoding === 'base64' ? 'base64' : 'utf8'),
  }));
  // The merged swarm (the file's with od.swarm.* over it): what joinSwarm acts on.
  const swarm = config.swarm && {
    ...config.swarm,
    ...(config.swarm.join && { join: { address: config.swarm.join.address, token: redacted } }),
    notes: undefined,
    ...(config.swarm.notes.length > 0 && { notes: config.swarm.notes }),
  };
  const interfaces = user.interfaces.map((i) => ({ ...i, address: formatIpv4Cidr(i.address) }));
  return JSON.stringify(
    {
      options,
      hostname: config.hostname,
      docker: user.docker,
      services: user.services,
      files,
      ssh: { authorizedKeys: user.ssh.authorizedKeys.length, comments: user.ssh.authorizedKeys.map(keyComment).filter((c) => c !== '') },
      ntp: user.ntp,
      interfaces,
      swarm,
      sources: user.sources,
    },
    null,
    2,
  );
}
