// Brings the node into its swarm, once per call, and never twice: a node that is a
// member already (the DOCKER disk keeps /var/lib/docker/swarm across reboots) is left
// as it is, whatever the configuration says now.
import { DockerApiError, type DockerClient } from '../docker/docker-client.ts';
import { initSwarm, joinSwarm, swarmInfo, type SwarmInfo, type SwarmNodeAddresses } from '../docker/swarm.ts';
import { UnixHttpError } from '../docker/unix-http.ts';
import { describeError, OdError } from '../../contract/errors.ts';
import type { SwarmMembership } from '../../contract/events.ts';

export type SwarmRole = 'manager' | 'worker';

export interface SwarmMember {
  role: SwarmRole;
  nodeId: string;
  how: SwarmMembership;
}

/** What to do when the node is in no swarm: start one, or join a manager's. */
export type SwarmGoal = { kind: 'init' } | { kind: 'join'; address: string; token: string };

/** `docker swarm init` was refused (an advertise address Docker cannot use, say). */
export class SwarmInitError extends OdError {}

/** The node is not (yet) in the swarm it should join; trying again may help. */
export class SwarmJoinError extends OdError {}

/** Docker is joining (or rejoining) by itself: nothing to ask, only to wait for. */
export class SwarmPendingError extends SwarmJoinError {}

/** Docker's own word that the node is a member already (its text since Docker 1.12). */
const alreadyMember = /already part of a swarm/i;

function membership(info: SwarmInfo, how: SwarmMembership): SwarmMember | undefined {
  if (info.LocalNodeState !== 'active' && info.LocalNodeState !== 'locked') return undefined;
  return { role: info.ControlAvailable ? 'manager' : 'worker', nodeId: info.NodeID, how };
}

export interface MembershipRequest {
  client: DockerClient;
  goal: SwarmGoal;
  addresses: SwarmNodeAddresses;
  /** How long one init or join may take before this attempt gives up (Docker goes on with a join by itself). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One attempt: the membership there is, or the swarm started or joined now. Throws
 * SwarmPendingError while Docker is still joining, SwarmJoinError when a join did not
 * succeed, SwarmInitError when the start was refused.
 */
export async function ensureSwarmMembership(request: MembershipRequest): Promise<SwarmMember> {
  const { client, goal, addresses, signal } = request;
  const infoOptions = { timeoutMs: 10_000, ...(signal && { signal }) };
  const before = await swarmInfo(client, infoOptions);
  const member = membership(before, 'member');
  if (member) return member;
  if (before.LocalNodeState === 'pending') {
    throw new SwarmPendingError(`Docker is still joining the swarm by itself${before.Error ? ` (last error: ${before.Error})` : ''}`);
  }
  const options = { timeoutMs: request.timeoutMs, ...(signal && { signal }) };
  try {
    if (goal.kind === 'init') await initSwarm(client, addresses, options);
    else await joinSwarm(client, { ...addresses, RemoteAddrs: [goal.address], JoinToken: goal.token }, options);
  } catch (error) {
    // A member after all (a join that ended just now): the state below says which role.
    if (!(error instanceof DockerApiError && alreadyMember.test(error.message))) throw failure(goal, request.timeoutMs, error);
  }
  const after = await swarmInfo(client, infoOptions);
  const joined = membership(after, goal.kind === 'init' ? 'initialized' : 'joined');
  if (joined) return joined;
  throw new SwarmPendingError(`${goal.kind === 'init' ? 'the swarm was started' : 'the join was accepted'} but the node is ${after.LocalNodeState || 'inactive'} yet`);
}

function failure(goal: SwarmGoal, timeoutMs: number, error: unknown): Error {
  if (goal.kind === 'init') return new SwarmInitError(`docker swarm init: ${describeError(error)}`, { cause: error });
  const timedOut = error instanceof UnixHttpError && error.code === 'ETIMEDOUT';
  const why = timedOut ? `no answer within ${timeoutMs / 1000} s (Docker goes on trying by itself)` : describeError(error);
  return new SwarmJoinError(`joining ${goal.address}: ${why}`, { cause: error });
}
