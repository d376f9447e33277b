// scripts/cluster.sh with a fake run.sh (records its calls, makes a state directory) and
// a fake docker CLI (a swarm that is active at once, N Ready nodes): the order of the
// starts, the configurations each node gets, and down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { tempDir } from '../test/helpers/temp-dir.ts';

const script = join(import.meta.dirname, 'cluster.sh');

function fakes(dir: string, nodes: number) {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  const runSh = join(dir, 'run.sh');
  writeFileSync(runSh, `#!/bin/bash\necho "run.sh $*" >> ${calls}\n[[ $1 == start ]] && mkdir -p "$OD_STATE_DIR/$3"\nexit 0\n`);
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/bash
echo "docker $*" >> ${calls}
case "$*" in
  *'info --format'*) echo active ;;
  *'swarm join-token -q worker'*) echo SWMTKN-1-fake ;;
  *'node ls --format'*) for i in $(seq ${nodes}); do echo Ready; done ;;
  *'node ls'*) echo "ID HOSTNAME STATUS" ;;
esac
`,
  );
  chmodSync(runSh, 0o755);
  chmodSync(join(bin, 'docker'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, OD_RUN_SH: runSh, OD_CLUSTER_DIR: join(dir, 'cluster'), OD_STATE_DIR: join(dir, 'state'), HOME: dir };
  return { env, calls: () => readFileSync(calls, 'utf8').trim().split('\n') };
}

test('cluster.sh up: the first node starts the swarm, the others join it with its token; down stops them all', async (t) => {
  const dir = tempDir(t);
  const { env, calls } = fakes(dir, 3);
  const up = await execa('bash', [script, 'up', '3'], { env });
  assert.match(up.stdout, /^cluster: 3 nodes Ready \d+\.\ds after the first power-on$/m);
  const configs = join(dir, 'cluster');
  const starts = calls().filter((c) => c.startsWith('run.sh start'));
  assert.equal(starts[0], `run.sh start --name od-node1 --network od-cluster -m 2048 --remote-port 23761 --ssh-port 22221 --config ${configs}/od-node1.yaml`);
  assert.deepEqual(starts.slice(1).sort(), [2, 3].map((i) => `run.sh start --name od-node${i} --network od-cluster -m 2048 --remote-port 2376${i} --ssh-port 2222${i} --config ${configs}/od-node${i}.yaml`));
  // The token is read once the first node's swarm is active, before any worker starts.
  const order = calls();
  assert.ok(order.indexOf('docker --context od-node1 swarm join-token -q worker') < order.indexOf(starts[1]!));

  const config = (i: number) => parse(readFileSync(join(configs, `od-node${i}.yaml`), 'utf8')) as unknown;
  assert.deepEqual(config(1), { hostname: 'od-node1', interfaces: [{ name: 'eth1', address: '10.9.0.11/24' }], swarm: { init: true, advertise: 'eth1' } });
  assert.deepEqual(config(3), {
    hostname: 'od-node3',
    interfaces: [{ name: 'eth1', address: '10.9.0.13/24' }],
    swarm: { join: { address: '10.9.0.11:2377', token: 'SWMTKN-1-fake' }, advertise: 'eth1' },
  });
  assert.equal(statSync(configs).mode & 0o777, 0o700, 'the token is not for everyone');

  const down = await execa('bash', [script, 'down'], { env });
  assert.match(down.stderr, /3 node\(s\) stopped/);
  assert.deepEqual(calls().filter((c) => c.startsWith('run.sh stop')).sort(), [1, 2, 3].map((i) => `run.sh stop --name od-node${i}`));
});

test('cluster.sh refuses a bad N and says how it is used', async (t) => {
  const { env } = fakes(tempDir(t), 1);
  assert.match((await execa('bash', [script, 'up', 'many'], { env, reject: false })).stderr, /N is a number of nodes from 1 to 89/);
  assert.match((await execa('bash', [script], { env, reject: false })).stderr, /usage: .* up \[N\] \| down/);
});
