// The Engine API's swarm endpoints the init needs: the node's state (GET /info), and
// starting or joining a swarm.
import type { CallOptions, DockerClient } from './docker-client.ts';

/** `Swarm.LocalNodeState`: "" and "inactive" are no swarm; "pending" is a join under way. */
export type LocalNodeState = '' | 'inactive' | 'pending' | 'active' | 'error' | 'locked';

/** The parts of `GET /info`'s `Swarm` the init reads. */
export interface SwarmInfo {
  LocalNodeState: LocalNodeState;
  NodeID: string;
  NodeAddr?: string;
  /** True on a manager. */
  ControlAvailable: boolean;
  /** Why the last start or join of the swarm failed, when it did. */
  Error?: string;
  RemoteManagers?: { NodeID: string; Addr: string }[] | null;
}

/** `POST /swarm/init` and `POST /swarm/join` share these. */
export interface SwarmNodeAddresses {
  /** Where this node listens for the swarm's control traffic: 0.0.0.0:2377. */
  ListenAddr: string;
  /** What the other nodes reach it at: an interface (eth1) or an address, with :port or without. */
  AdvertiseAddr: string;
}

export interface SwarmJoinRequest extends SwarmNodeAddresses {
  RemoteAddrs: string[];
  JoinToken: string;
}

export async function swarmInfo(client: DockerClient, options?: CallOptions): Promise<SwarmInfo> {
  const info = await client.json<{ Swarm?: Partial<SwarmInfo> }>('GET', '/info', undefined, options);
  const swarm = info.Swarm ?? {};
  return {
    ...swarm,
    LocalNodeState: swarm.LocalNodeState ?? 'inactive',
    NodeID: swarm.NodeID ?? '',
    ControlAvailable: swarm.ControlAvailable === true,
  };
}

/** Starts a swarm with this node as its first manager; resolves with the node's id. */
export function initSwarm(client: DockerClient, request: SwarmNodeAddresses, options?: CallOptions): Promise<string> {
  return client.json<string>('POST', '/swarm/init', request, options);
}

export async function joinSwarm(client: DockerClient, request: SwarmJoinRequest, options?: CallOptions): Promise<void> {
  await client.request('POST', '/swarm/join', request, options);
}
