// run.sh as a local Docker host, as a user gets it: `start --name t1` returns once
// Docker answers over TLS through the docker context it made; a port published by
// `docker run -p` answers on the host's 127.0.0.1 by itself and goes away with the
// container; `status` shows the VM and the port; a second VM runs beside the first on
// a TLS port of its own; `stop` powers both off cleanly (e2fsck finds the disks clean).
// Two QEMUs at once: run this test alone (the whole run under the QEMU lock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { hostDockerCli, outputInputsFor, testDist } from './harness/fixtures.ts';
import { recordKernelFault, VM_LOG_DIR } from './harness/qemu-vm.ts';
import { withTempDir } from '../helpers/temp-dir.ts';
import { kvmScriptPath, writeKvmScript } from '../../builder/outputs/write-kvm-script.ts';
import { projectVersion } from '../../builder/project.ts';

const PORT = 18081;

/** The body of GET http://127.0.0.1:port/path, or undefined when nothing answers. */
function fetchLocal(port: number, path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 2000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(undefined));
  });
}

/** True when a TCP connection to 127.0.0.1:port is refused (nothing listens there). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Milliseconds until `probe` is true, failing after `limitMs`. */
async function within(limitMs: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > limitMs) assert.fail(`${what}: not within ${limitMs / 1000} s`);
    await sleep(100);
  }
  return Date.now() - started;
}

test('run.sh start: a local Docker host with a docker context, ports forwarded by themselves, two VMs side by side, stopped cleanly', { timeout: 2_400_000 }, async (t) => {
  await withTempDir('od-local-host-', async (work) => {
    const inputs = await outputInputsFor(join(work, 'out'));
    await writeKvmScript(inputs);
    const script = kvmScriptPath(inputs.outDir);
    const dockerCli = await hostDockerCli(work);
    const dockerConfig = join(work, 'docker-config');
    await mkdir(dockerConfig);
    // The system's tools, the docker CLI, and nothing of this machine's own Docker set-up.
    const env = {
      PATH: `${dirname(dockerCli)}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      HOME: work,
      DOCKER_CONFIG: dockerConfig,
      OD_STATE_DIR: join(work, 'state'),
      OD_DIST: testDist(),
    };
    const runSh = (args: string[]) => execa(script, args, { env, extendEnv: false, reject: false, timeout: 1_200_000 });
    const docker = (args: string[]) => execa(dockerCli, args, { env, extendEnv: false, reject: false, timeout: 300_000 });
    const disk = (name: string) => join(work, 'state', name, 'docker.img');
    // Two TCG VMs on a shared 2-core machine: dockerd may need more than its usual minute.
    // run.sh's default memory (2 GiB): with Debian 13's payload (458 MB unpacked) 1 GiB no
    // longer holds the initramfs, which the kernel unpacks into a tmpfs of half the RAM.
    const vmOptions = ['--accel', 'tcg', '--disk-size', '2G', '--timeout', '900', '--append', 'od.dockerd.timeout=300'];

    try {
      let started = Date.now();
      const t1 = await runSh(['start', '--name', 't1', ...vmOptions]);
      assert.equal(t1.exitCode, 0, `start t1: ${t1.stderr}\n${t1.stdout}`);
      t.diagnostic(`t1: start returned with Docker answering after ${((Date.now() - started) / 1000).toFixed(1)} s: ${t1.stdout.split('\n')[0]}`);
      assert.match(t1.stdout, /docker --context t1 ps/);
      const version = await docker(['--context', 't1', 'version', '--format', '{{.Server.Version}}']);
      assert.equal(version.exitCode, 0, version.stderr);

      const run = await docker(['--context', 't1', 'run', '-d', '--name', 'web', '-p', `${PORT}:80`, `only-docker/console:${projectVersion()}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
      assert.equal(run.exitCode, 0, run.stderr);
      const appeared = await within(10_000, `http://127.0.0.1:${PORT}/ after docker run`, async () => (await fetchLocal(PORT, '/os-release'))?.includes('only-docker') ?? false);
      t.diagnostic(`port ${PORT} answered on the host ${appeared} ms after docker run returned`);

      const status = await runSh(['status', '--name', 't1']);
      assert.equal(status.exitCode, 0, status.stderr);
      assert.match(status.stdout, /^t1: running \(pid \d+, up \d+s\), Docker \S+ \(API [\d.]+\), TLS on 127\.0\.0\.1:2376$/m);
      assert.match(status.stdout, new RegExp(`tcp 127\\.0\\.0\\.1:${PORT} -> VM port ${PORT}: forwarded while its container runs`));

      const removed = await docker(['--context', 't1', 'rm', '-f', 'web']);
      assert.equal(removed.exitCode, 0, removed.stderr);
      const closed = await within(10_000, `port ${PORT} closed after docker rm -f`, () => refused(PORT));
      t.diagnostic(`port ${PORT} closed on the host ${closed} ms after docker rm -f returned`);

      // A second VM beside the first: the TLS port 2376 is t1's, so t2 gets the next free one.
      started = Date.now();
      const t2 = await runSh(['start', '--name', 't2', ...vmOptions]);
      assert.equal(t2.exitCode, 0, `start t2: ${t2.stderr}\n${t2.stdout}`);
      t.diagnostic(`t2: start returned with Docker answering after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const t2Status = JSON.parse((await runSh(['status', '--name', 't2', '--json'])).stdout) as { running: boolean; remotePort: number };
      assert.equal(t2Status.running, true);
      assert.notEqual(t2Status.remotePort, 2376);
      const both = await Promise.all(['t1', 't2'].map((name) => docker(['--context', name, 'info', '--format', '{{.Name}} {{.Containers}}'])));
      for (const answer of both) assert.equal(answer.exitCode, 0, answer.stderr);

      for (const name of ['t1', 't2']) {
        const stop = await runSh(['stop', '--name', name]);
        assert.match(stop.stdout, new RegExp(`VM "${name}" powered off cleanly`), `${stop.stdout}\n${stop.stderr}`);
        t.diagnostic(stop.stdout.trim());
        const fsck = await execa('e2fsck', ['-fn', disk(name)], { env, reject: false });
        assert.equal(fsck.exitCode, 0, `${name}'s disk after stop: ${fsck.stdout}`);
      }
      assert.match((await runSh(['status', '--name', 't1'])).stdout, /^t1: not running$/m);
    } catch (error) {
      // The VMs' serial logs live in their state directories, which go away with the
      // scratch directory: keep them, and put the end of each in the failure.
      const tails: string[] = [];
      for (const name of ['t1', 't2']) {
        const serial = join(work, 'state', name, 'serial.log');
        if (!existsSync(serial)) continue;
        await mkdir(VM_LOG_DIR, { recursive: true });
        await copyFile(serial, join(VM_LOG_DIR, `local-host-${name}.log`));
        const text = await readFile(serial, 'utf8');
        // A kernel that faulted by itself under TCG: the runner runs this file again.
        recordKernelFault(`local-host-${name}`, text);
        tails.push(`--- last lines of ${name}'s serial console (whole log: ${join(VM_LOG_DIR, `local-host-${name}.log`)}) ---\n${text.split(/\r?\n/).slice(-50).join('\n')}`);
      }
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tails.join('\n')}`, { cause: error });
    } finally {
      for (const name of ['t1', 't2']) await runSh(['stop', '--name', name, '--timeout', '30']);
    }
  });
});
