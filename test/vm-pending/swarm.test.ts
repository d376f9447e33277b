// Swarm mode at boot, as `make cluster N=3` forms it: three run.sh VMs (2 GiB each:
// Debian 13's initramfs does not unpack in 1 GiB yet) on one --network segment (QEMU
// socket multicast on the loopback), od-node1 starting the swarm and the others joining
// with the token in their configuration. Then a service of three replicas with a
// published port, answered by the routing mesh on every node's address; a worker
// powered off (its task runs elsewhere) and on again (Ready by itself). Not in make
// test: three TCG VMs on two cores take longer than its budget allows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT, VM_LOG_DIR } from '../vm/harness/qemu-vm.ts';
import { hostDockerCli, outputInputsFor, testDist } from '../vm/harness/fixtures.ts';
import { kvmScriptPath, writeKvmScript } from '../../builder/outputs/write-kvm-script.ts';
import { projectVersion } from '../../builder/project.ts';

const image = `only-docker/console:${projectVersion()}`;
const nodes = ['od-node1', 'od-node2', 'od-node3'];
const address = (i: number) => `10.9.0.${11 + i}`;

describe('swarm mode: three VMs on one --network segment form a swarm at boot; the routing mesh; a worker off and on', { timeout: 5_400_000 }, () => {
  let work: string;
  let env: Record<string, string>;
  let script: string;
  let up: { exitCode?: number; stdout: string; stderr: string };
  const docker = (context: string, args: string[], timeout = 300_000) =>
    execa('docker', ['--context', context, ...args], { env, extendEnv: false, reject: false, timeout });
  /** Polls `check` every 5 s until it holds, or fails after `timeoutMs` with what it saw last. */
  async function eventually(what: string, timeoutMs: number, check: () => Promise<{ ok: boolean; seen: string }>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    while (Date.now() < deadline) {
      const result = await check();
      if (result.ok) return;
      seen = result.seen;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
    assert.fail(`${what}: not within ${timeoutMs / 1000} s; last seen: ${seen}`);
  }

  /** What a node's kernel and dockerd say of the routing mesh: its NAT rules, the ingress sandbox's IPVS table, dockerd's complaints. */
  async function meshDiagnostics(node: string): Promise<string> {
    const save = 'iptables-save 2>/dev/null || xtables-nft-multi iptables-save';
    const inSandbox = 'nsenter -t 1 -m -- nsenter --net=/var/run/docker/netns/ingress_sbox --';
    const script = [
      'echo "--- nat (host)"',
      `nsenter -t 1 -m -n -- sh -c '${save}' | grep -i -E "ingress|8080|OUTPUT|PREROUTING"`,
      'echo "--- ingress_sbox: ip_vs"',
      `${inSandbox} cat /proc/net/ip_vs`,
      'echo "--- ingress_sbox: rules"',
      `${inSandbox} sh -c '${save}'`,
      'echo "--- dockerd"',
      'nsenter -t 1 -m -- grep -i -E "level=(error|warning)" /var/log/docker.log | tail -n 25',
    ].join('; ');
    const out = await docker(node, ['run', '--rm', '--privileged', '--pid', 'host', '--net', 'host', image, 'sh', '-c', script], 120_000);
    return `--- ${node}: routing mesh diagnostics\n${out.stdout}\n${out.stderr}`;
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'od-swarm-'));
    const inputs = await outputInputsFor(join(work, 'out'));
    await writeKvmScript(inputs);
    script = kvmScriptPath(inputs.outDir);
    const dockerCli = await hostDockerCli(work);
    await mkdir(join(work, 'docker-config'));
    env = {
      PATH: `${dirname(dockerCli)}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      HOME: work,
      DOCKER_CONFIG: join(work, 'docker-config'),
      OD_STATE_DIR: join(work, 'state'),
      OD_DIST: testDist(),
      OD_RUN_SH: script,
      OD_CLUSTER_DIR: join(work, 'cluster'),
      OD_CLUSTER_TIMEOUT: '2700',
      // 1024 boots with the system-image layout of the initrd only (README "The system image").
      OD_CLUSTER_MEMORY: process.env.OD_CLUSTER_MEMORY ?? '2048',
    };
    up = await execa('bash', [join(REPO_ROOT, 'scripts/cluster.sh'), 'up', '3'], { env, extendEnv: false, reject: false, timeout: 3_000_000 });
  });

  after(async () => {
    if (env) await execa('bash', [join(REPO_ROOT, 'scripts/cluster.sh'), 'down'], { env, extendEnv: false, reject: false, timeout: 300_000 });
    // The nodes' serial logs live in the scratch directory: keep them.
    if (work) {
      await mkdir(VM_LOG_DIR, { recursive: true });
      for (const node of nodes) await copyFile(join(work, 'state', node, 'serial.log'), join(VM_LOG_DIR, `swarm-${node}.log`)).catch(() => {});
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('make cluster N=3: three Ready nodes, the first a manager; the time from power-on', async (t) => {
    assert.equal(up.exitCode, 0, `cluster.sh up 3:\n${up.stdout}\n${up.stderr}`);
    const ready = /cluster: 3 nodes Ready (\S+) after the first power-on/.exec(up.stdout);
    assert.ok(ready, up.stdout);
    t.diagnostic(`three Ready nodes ${ready[1]} after the first power-on`);
    const list = await docker('od-node1', ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.ManagerStatus}}']);
    const lines = list.stdout.trim().split('\n').map((line) => line.trimEnd()).sort();
    assert.deepEqual(lines, ['od-node1 Ready Leader', 'od-node2 Ready', 'od-node3 Ready']);
  });

  it('a service of three replicas runs a task on each node; the routing mesh answers on every address', async () => {
    const created = await docker('od-node1', ['service', 'create', '--detach', '--no-resolve-image', '--name', 'web', '--replicas', '3', '-p', '8080:80', image, 'sh', '-c', 'mkdir -p /srv && hostname > /srv/index.html && exec busybox httpd -f -p 80 -h /srv']);
    assert.equal(created.exitCode, 0, created.stderr);
    // Swarm's scheduler spreads a service's tasks over the nodes: one each on three equal nodes.
    await eventually('three running tasks, one per node', 900_000, async () => {
      const tasks = await docker('od-node1', ['service', 'ps', 'web', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']);
      const running = tasks.stdout.split('\n').filter((l) => / Running /.test(l)).map((l) => l.split(' ')[0]);
      return { ok: new Set(running).size === 3, seen: tasks.stdout };
    });
    for (const [i, node] of nodes.entries()) {
      // From each node's own network, to each address: the ingress network answers on all
      // of them (once each node has programmed the published port, which can lag the task).
      try {
        await eventually(`${node} → ${address(i)}:8080 through the routing mesh`, 180_000, async () => {
          const page = await docker(node, ['run', '--rm', '--net', 'host', image, 'wget', '-q', '-T', '10', '-O-', `http://${address(i)}:8080/`]);
          return { ok: page.exitCode === 0 && /^[0-9a-f]{12}\n?$/.test(page.stdout), seen: `exit ${page.exitCode}: ${page.stdout.trim()} ${page.stderr.trim()}` };
        });
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${await meshDiagnostics(node)}`, { cause: error });
      }
    }
  });

  it('a worker powered off: its task runs elsewhere; powered on: Ready again by itself', async () => {
    const stopped = await execa(script, ['stop', '--name', 'od-node3'], { env, extendEnv: false, reject: false, timeout: 300_000 });
    assert.equal(stopped.exitCode, 0, stopped.stderr);
    await eventually('od-node3 Down and three tasks running on the other two', 900_000, async () => {
      const status = await docker('od-node1', ['node', 'inspect', 'od-node3', '--format', '{{.Status.State}}']);
      const tasks = await docker('od-node1', ['service', 'ps', 'web', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']);
      const running = tasks.stdout.split('\n').filter((l) => / Running /.test(l));
      return { ok: status.stdout.trim() === 'down' && running.length === 3 && running.every((l) => !l.startsWith('od-node3 ')), seen: `${status.stdout.trim()}; ${tasks.stdout}` };
    });
    const started = await execa(script, ['start', '--name', 'od-node3'], { env, extendEnv: false, reject: false, timeout: 1_200_000 });
    assert.equal(started.exitCode, 0, started.stderr);
    await eventually('od-node3 Ready again', 900_000, async () => {
      const status = await docker('od-node1', ['node', 'inspect', 'od-node3', '--format', '{{.Status.State}}']);
      return { ok: status.stdout.trim() === 'ready', seen: status.stdout.trim() };
    });
  });
});
