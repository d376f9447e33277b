import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerClient } from '../docker/docker-client.ts';
import { startFakeDocker } from '../testing/fake-docker.ts';
import { JoinRetrier } from './join-retrier.ts';
import { ensureSwarmMembership, type SwarmMember } from './swarm-membership.ts';

const addresses = { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'eth1' };
const goal = { kind: 'join', address: '10.9.0.11:2377', token: 't' } as const;

test('the retrier tries until the node is a member, saying each new error once, and its success', async (t) => {
  const fake = await startFakeDocker(t);
  const answers = [
    { status: 503, body: { message: 'Timeout was reached before node joined.' } },
    { status: 500, body: { message: 'rpc error: connection refused' } },
    { status: 500, body: { message: 'rpc error: connection refused' } },
  ];
  fake.onSwarmJoin = () => {
    const answer = answers.shift();
    if (answer) return answer;
    fake.swarm = { LocalNodeState: 'active', NodeID: 'w3', ControlAvailable: false };
    return { status: 200, body: '' };
  };
  const client = new DockerClient({ socketPath: fake.socketPath });
  const errors: string[] = [];
  const members: SwarmMember[] = [];
  const retrier = new JoinRetrier({
    attempt: (signal) => ensureSwarmMembership({ client, goal, addresses, timeoutMs: 1000, signal }),
    onNewError: (message) => errors.push(message),
    onMember: (member) => members.push(member),
    // The boot's attempt ended with this one: not said again.
    lastError: 'joining 10.9.0.11:2377: POST /swarm/join: 503 Timeout was reached before node joined.',
    policy: { minDelayMs: 5, maxDelayMs: 20 },
  });
  retrier.start();
  await retrier.done;
  assert.deepEqual(errors, ['joining 10.9.0.11:2377: POST /swarm/join: 500 rpc error: connection refused']);
  assert.deepEqual(members, [{ role: 'worker', nodeId: 'w3', how: 'joined' }]);
  assert.equal(fake.requests.filter((r) => r.path === '/swarm/join').length, 4);
});

test('a pending node is waited for, not asked to join again; stop() ends the retrier at once', async (t) => {
  const fake = await startFakeDocker(t);
  fake.swarm = { LocalNodeState: 'pending', NodeID: '', ControlAvailable: false, Error: 'manager unreachable' };
  const client = new DockerClient({ socketPath: fake.socketPath });
  const errors: string[] = [];
  const retrier = new JoinRetrier({
    attempt: (signal) => ensureSwarmMembership({ client, goal, addresses, timeoutMs: 1000, signal }),
    onNewError: (message) => errors.push(message),
    onMember: () => assert.fail('not a member'),
    lastError: '',
    policy: { minDelayMs: 5, maxDelayMs: 5 },
  });
  retrier.start();
  while (fake.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = performance.now();
  await retrier.stop();
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(errors, ['Docker is still joining the swarm by itself (last error: manager unreachable)']);
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0);
});
