import type { BootContext, Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { printable } from '../logs/printable.ts';
import { bundledConsoleImage, chooseConsoleImage, consoleImageChoices } from '../supervise/console-container.ts';
import { runSshServer, type SshServerOutcome } from '../ssh/ssh-server.ts';
import { sshContainerSpec, sshPort } from '../ssh/ssh-container.ts';
import { writeSshFiles } from '../ssh/ssh-files.ts';
import { OdError } from '../../contract/errors.ts';
import { initVersion } from '../version.ts';
import { consoleMounts } from './start-console.ts';

/** Making two host keys takes a moment under emulation; a container that hangs longer is reported, not waited for. */
const hostKeysWaitMs = 60_000;

export class SshServerFailedError extends OdError {
  constructor(image: string, log: readonly string[]) {
    const last = log.slice(-5).join(' | ') || 'no output';
    super(`the SSH server (container ssh, image ${image}) ended: ${last}`);
  }
}

/**
 * The configuration's ssh.authorized_keys: an SSH server into the console (dropbear
 * from the console image, in a container with a console's privileges and mounts, on
 * the host network's port 22), key logins only. Its host keys are on the DOCKER disk
 * when there is one. The console image the consoles use (od.console.image, else
 * console-image:latest, else ours); one without dropbear gives way to ours.
 */
export const startSshServer: Step = {
  name: 'startSshServer',
  required: false,
  async run(ctx) {
    const authorizedKeys = ctx.config.user.ssh.authorizedKeys;
    if (authorizedKeys.length === 0) return { skipped: 'no ssh.authorized_keys in the configuration' };
    await writeSshFiles(ctx.paths, authorizedKeys);
    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const bundled = bundledConsoleImage(initVersion);
    const chosen = await chooseConsoleImage(client, consoleImageChoices(ctx.config.console.image, initVersion));
    const start = (image: string) =>
      runSshServer(
        client,
        sshContainerSpec({ image, ...consoleMounts(ctx.paths), hostKeyDir: ctx.paths.sshHostKeyDir, authorizedKeysFile: ctx.paths.sshAuthorizedKeys }),
        { timeoutMs: hostKeysWaitMs },
      );
    let image = chosen.name;
    let outcome = await start(image);
    if (outcome.status === 'exited' && image !== bundled) {
      ctx.console.warn(printable(`the SSH server did not run from ${image} (${outcome.log.at(-1) ?? 'no output'}): starting it from ${bundled}`));
      image = bundled;
      outcome = await start(image);
    }
    if (outcome.status === 'exited') throw new SshServerFailedError(image, outcome.log.map(printable));
    reportSshServer(ctx, authorizedKeys.length, outcome);
  },
};

/** The port and the host key fingerprints on the console, for a person to compare with what ssh shows at the first login. */
function reportSshServer(ctx: BootContext, keyCount: number, outcome: Exclude<SshServerOutcome, { status: 'exited' }>): void {
  const persistence = ctx.storage?.mode === 'disk' ? 'host keys kept on the DOCKER disk' : 'host keys made this boot (no DOCKER disk: new ones at each boot)';
  ctx.console.info(
    `SSH into the console on port ${sshPort} (run.sh ssh): ${keyCount} authorized key${keyCount === 1 ? '' : 's'} from the configuration, passwords refused; ${persistence}`,
  );
  if (outcome.status === 'timeout') {
    ctx.console.warn(`the SSH server has not listed its host keys within ${hostKeysWaitMs / 1000} s; it may still start: docker logs ssh`);
    return;
  }
  for (const key of outcome.hostKeys) ctx.console.info(`SSH host key ${key.type} ${key.fingerprint}`);
}
