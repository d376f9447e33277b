import type { BootContext, Step } from '../context.ts';
import { swarmEvents } from '../../contract/events.ts';
import { describeError } from '../../contract/errors.ts';
import type { SwarmConfig } from '../config/swarm-options.ts';
import { DockerClient } from '../docker/docker-client.ts';
import { swarmInfo, type SwarmNodeAddresses } from '../docker/swarm.ts';
import { printable } from '../logs/printable.ts';
import { firstDeviceInterface } from '../net/interfaces.ts';
import { JoinRetrier } from '../swarm/join-retrier.ts';
import { ensureSwarmMembership, SwarmInitError, type SwarmGoal, type SwarmMember } from '../swarm/swarm-membership.ts';
import { describeMissingModules, missingSwarmModules } from '../swarm/swarm-modules.ts';

/** Where every node listens for the swarm's control traffic (Docker's own default port). */
const listenAddr = '0.0.0.0:2377';

/**
 * How long the boot waits for a join. Docker answers a join to an unreachable manager
 * after 20 s and goes on trying by itself; the boot does not wait that long, the
 * background retrier sees the end.
 */
const bootAttemptMs = 15_000;
/** A background attempt may wait for Docker's own answer. */
const retryAttemptMs = 30_000;

/** Docker needs an address the others can reach: with two cards it cannot choose one. */
function advertiseAddr(ctx: BootContext, swarm: SwarmConfig): string {
  if (swarm.advertise) return swarm.advertise;
  const iface = ctx.config.net.interface;
  return iface === 'auto' ? (firstDeviceInterface(ctx.paths.sysClassNet) ?? 'eth0') : iface;
}

function goalOf(swarm: SwarmConfig): SwarmGoal | undefined {
  if (swarm.init) return { kind: 'init' };
  if (swarm.join) return { kind: 'join', ...swarm.join };
  return undefined;
}

/**
 * The node in its swarm (`swarm:` in the configuration, od.swarm.*): left alone when it
 * is a member already (a DOCKER disk keeps the swarm across reboots), else `docker swarm
 * init` or `docker swarm join`. A manager that cannot be reached does not hold up the
 * boot: the failure is reported and a background retrier keeps trying. After
 * startServices (the lead wires it in plan.ts).
 */
export const joinSwarm: Step = {
  name: 'joinSwarm',
  required: false,
  async run(ctx) {
    const swarm = ctx.config.swarm;
    if (!swarm) return { skipped: 'no swarm in the configuration' };
    for (const note of swarm.notes) ctx.console.warn(printable(note));
    const missing = missingSwarmModules(ctx.paths);
    if (missing.length > 0) ctx.console.warn(`swarm: kernel modules missing: ${describeMissingModules(missing)}`);

    const client = new DockerClient({ socketPath: ctx.paths.dockerSocket });
    const sinceBoot = () => performance.now() - (ctx.bootStartedAt ?? 0);
    const reportMember = (member: SwarmMember) => {
      ctx.console.event(swarmEvents.active(member.role, member.nodeId, member.how, sinceBoot()));
      const what = { initialized: 'started a swarm', joined: 'joined the swarm', member: 'already in a swarm' }[member.how];
      ctx.console.info(printable(`swarm: ${what}: node ${member.nodeId}, ${member.role}`));
    };
    const goal = goalOf(swarm);
    if (!goal) {
      const info = await swarmInfo(client, { timeoutMs: 10_000 });
      if (info.LocalNodeState === 'active' || info.LocalNodeState === 'locked') {
        reportMember({ role: info.ControlAvailable ? 'manager' : 'worker', nodeId: info.NodeID, how: 'member' });
      }
      return { skipped: 'swarm: neither init nor join in the configuration' };
    }

    const addresses: SwarmNodeAddresses = { ListenAddr: listenAddr, AdvertiseAddr: advertiseAddr(ctx, swarm) };
    const attempt = (timeoutMs: number, signal?: AbortSignal) =>
      ensureSwarmMembership({ client, goal, addresses, timeoutMs, ...(signal && { signal }) });
    try {
      reportMember(await attempt(bootAttemptMs));
      return;
    } catch (error) {
      // A refused start is not going to change by itself: say so and stop there.
      if (error instanceof SwarmInitError) {
        ctx.console.event(swarmEvents.failed(describeError(error)));
        throw error;
      }
      startRetrier(ctx, goal.kind === 'join' ? goal.address : addresses.AdvertiseAddr, describeError(error), (signal) => attempt(retryAttemptMs, signal), reportMember);
    }
  },
};

function startRetrier(
  ctx: BootContext,
  address: string,
  error: string,
  attempt: (signal: AbortSignal) => Promise<SwarmMember>,
  onMember: (member: SwarmMember) => void,
): void {
  ctx.console.event(swarmEvents.joining(address, error));
  ctx.console.warn(printable(`swarm: not in the swarm yet: ${error}; trying again in the background`));
  const retrier = new JoinRetrier({
    attempt,
    lastError: error,
    onNewError: (message) => {
      ctx.console.event(swarmEvents.joining(address, message));
      ctx.console.warn(printable(`swarm: still not in the swarm: ${message}`));
    },
    onMember,
  });
  retrier.start();
  (ctx.supervised ??= []).push(retrier);
}
