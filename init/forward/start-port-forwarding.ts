// The boot's hook for the forwarded ports: when the VM has run.sh's forward channel,
// follow Docker's events for the rest of the machine's life and tell the host which
// ports to forward. After refreshTls, so that the host's first word (the Docker
// version) comes when the remote API serves its final certificate.
import type { Step } from '../context.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { ChannelWriter, findVirtioPort, forwardPortName } from './forward-channel.ts';
import { PortWatcher } from './port-watcher.ts';

/** The first list of ports should take well under a second; a dockerd that hangs must not hold the boot. */
const firstLineTimeoutMs = 15_000;

export const startPortForwarding: Step = {
  name: 'startPortForwarding',
  required: false,
  async run(ctx) {
    const device = findVirtioPort(forwardPortName, { devDir: ctx.paths.devDir });
    if (!device) return { skipped: `no virtio-serial port ${forwardPortName} (run.sh start gives one)` };
    const writer = new ChannelWriter(device, { onError: (error) => ctx.console.warn(error.message) });
    const watcher = new PortWatcher({
      client: new DockerClient({ socketPath: ctx.paths.dockerSocket }),
      send: (line) => writer.send(line),
      log: { debug: (m) => ctx.console.debug(m), warn: (m) => ctx.console.warn(m) },
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), firstLineTimeoutMs)));
    const sent = await Promise.race([watcher.start().then(() => true), late]);
    clearTimeout(timer);
    if (!sent) ctx.console.warn(`no list of published ports within ${firstLineTimeoutMs / 1000} s; the host gets it when Docker answers`);
    ctx.console.info(`published ports are forwarded to the host by ${device} (${forwardPortName})`);
  },
};
