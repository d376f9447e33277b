// The release bundle, unpacked in an empty directory, boots with its own
// ./dist/kvm/run.sh and nothing else from the repository: run.sh finds the kernel
// beside itself, creates and attaches the DOCKER disk, and falls back to TCG. On that
// one boot, the engine a person gets from Debian 13's payload, from the serial console:
// Docker 26 (or newer) client and server, Compose v2 and buildx as CLI plugins mounted
// into the console, a two-service compose project whose web service is built from a
// Dockerfile and reached by name, a multi-stage BuildKit build with `docker buildx
// build` and with plain `docker build`, and a published port reached from the host
// through run.sh -p. The VM has no registry: every image starts from the bundled
// console image. OD_TEST_DIST points at another directory holding vmlinuz and initrd.img.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { check, QemuVm, type OdEvent } from './harness/qemu-vm.ts';
import { DOCKER_VERSION, freePort, plainGet, type PlainGetResult, outputInputsFor, repoConfig, waitForDockerReady } from './harness/fixtures.ts';
import { sh, waitForConsolePrompt } from './harness/storage-checks.ts';
import { startSntpServer, type SntpServer } from './harness/sntp-server.ts';
import { writeKvmScript } from '../../builder/outputs/write-kvm-script.ts';
import { writeVirtualboxScript } from '../../builder/outputs/write-virtualbox-script.ts';
import { writeTarball } from '../../builder/outputs/write-tarball.ts';
import { projectVersion } from '../../builder/project.ts';

const base = `only-docker/console:${projectVersion()}`;
const buildTimeoutMs = 600_000;

/** Writes a file in the console with printf (no editor needed); `lines` joined with newlines. */
function writeFileCommand(path: string, lines: string[]): string {
  const body = lines.map((line) => line.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/'/g, `'"'"'`)).join('\\n');
  return `printf '${body}\\n' > ${path}`;
}

/** GET on the host's loopback until it answers 200 (a port forwarded once Docker publishes it), or the last answer. */
async function pageWhenServed(port: number, path: string, timeoutMs = 60_000): Promise<PlainGetResult> {
  let last: PlainGetResult = {};
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = await plainGet(port, path);
    if (last.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return last;
}

/** The configuration given with run.sh --config: each key is checked below; docker.deamon is a typo on purpose. */
const configFile = (version: string, sshKey: string) => [
  'hostname: node1',
  'docker:',
  '  daemon: { registry-mirrors: ["https://mirror.example:5000"] }',
  '  deamon: { debug: true }',
  '  env: { NO_PROXY: "localhost" }',
  'services:',
  '  - name: web',
  `    image: only-docker/console:${version}`,
  '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/srv"]',
  '    ports: ["8090:80"]',
  '    volumes: ["/root/srv:/srv:ro"]',
  '    restart: always',
  'files:',
  '  - { path: /root/srv/index.html, mode: "0644", content: "hello from the configuration" }',
  // The host's loopback as QEMU's user network shows it: the test's time server below.
  'ntp: { servers: ["10.0.2.2"] }',
  `ssh: { authorized_keys: [${JSON.stringify(sshKey)}] }`,
  'od: { dhcp.timeout: 45 }',
  '',
].join('\n');

describe('the release tarball unpacked anywhere boots with ./dist/kvm/run.sh; the engine in it: Docker 26+, Compose, BuildKit, a published port; the configuration file through run.sh --config and a config drive (one boot)', { timeout: 2_400_000 }, () => {
  let vm: QemuVm;
  let work: string;
  let unpacked: string;
  let hostPort: number;
  let servicePort: number;
  let sshPort: number;
  let timeServer: SntpServer | undefined;
  let timeServerProblem = '';
  let ready: OdEvent;
  let startedAt: number;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'od-release-'));
    const inputs = await outputInputsFor(join(work, 'out'));
    await writeKvmScript(inputs);
    await writeVirtualboxScript(inputs);
    const tarball = await writeTarball(inputs);
    unpacked = join(work, 'elsewhere');
    await execa('mkdir', [unpacked]);
    await execa('tar', ['-xzf', tarball.path, '-C', unpacked]);
    hostPort = await freePort();
    servicePort = await freePort();
    timeServer = await startSntpServer().catch((error: Error) => ((timeServerProblem = error.message), undefined));
    sshPort = await freePort();
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@host', '-f', join(work, 'id_ed25519')]);
    const sshKey = (await readFile(join(work, 'id_ed25519.pub'), 'utf8')).trim();
    await writeFile(join(work, 'config.yaml'), configFile(projectVersion(), sshKey));
    // A config drive as lima and clouds make it, whose user-data is not YAML: reported, and the rest boots.
    await mkdir(join(work, 'cidata'));
    await writeFile(join(work, 'cidata', 'user-data'), 'services: [ { name: broken\n');
    await writeFile(join(work, 'cidata', 'meta-data'), '');
    await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'cidata', '-J', '-r', '-o', join(work, 'cidata.iso'), join(work, 'cidata')]);
    startedAt = Date.now();
    vm = await QemuVm.bootToInit({
      name: 'release',
      // PATH without the repository's tools: only the system's (qemu, mkfs.ext4).
      launcher: {
        command: './dist/kvm/run.sh',
        args: [
          '--accel', 'tcg', '-p', `${hostPort}:8080`, '-p', `${servicePort}:8090`, '--config', join(work, 'config.yaml'), '--ssh-port', String(sshPort),
          '--', '-drive', `file=${join(work, 'cidata.iso')},if=virtio,format=raw,readonly=on`,
        ],
        cwd: unpacked,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: work },
      },
    });
    await check(vm, async () => {
      await vm.waitFor('quit with Ctrl-a x', 30_000);
      // Docker ready, or the init reporting that the boot failed (no point waiting on).
      ready = await waitForDockerReady(vm, 360_000);
      await waitForConsolePrompt(vm, 300_000);
    });
  });

  after(async () => {
    await timeServer?.close();
    vm?.keepLog();
    await vm?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('boots on the command line run.sh gives, with the DOCKER disk run.sh made, every boot step done', async (t) => {
    t.diagnostic(`docker ready ${((vm.log.timeAt(vm.serial.indexOf('"od":"docker","status":"ready"')) / 1000)).toFixed(1)} s after power-on, ${((Date.now() - startedAt) / 1000).toFixed(0)} s until the prompt (version ${String(ready.version)})`);
    await check(vm, async () => {
      assert.match(String(ready.version), new RegExp(`^${DOCKER_VERSION}`), "Debian's docker.io 26 (or newer) answers");
      assert.match(String(ready.apiVersion), /^1\.\d+$/);
      assert.match(vm.serial, new RegExp(`Docker ${DOCKER_VERSION}\\S* is ready \\(API 1\\.\\d+\\)`));
      // Asked of the running system, not read off the kernel's first lines: QEMU drops
      // serial bytes when its stdout pipe is full for a moment, and those come fast.
      // run.sh adds od.remote=tls (its remote API on localhost, on by default).
      const config = await repoConfig();
      assert.equal(await sh(vm, 'cat /proc/cmdline'), `${config.kernel.cmdline} od.remote=tls`, 'run.sh boots the default command line');
    });
    // The disk run.sh created on first run: sparse, 8 GiB, labelled DOCKER, attached as virtio.
    const disk = join(unpacked, 'dist', 'kvm', 'docker.img');
    assert.equal((await stat(disk)).size, 8 * 1024 ** 3);
    assert.equal((await execa('/sbin/e2label', [disk])).stdout.trim(), 'DOCKER');
    assert.match(vm.serial, /virtio_blk virtio\d+: \[vda\] 16777216 512-byte logical blocks/);
    const ended = new Map(vm.events().filter((e) => e.od === 'step' && e.status !== 'start').map((e) => [e.name, e]));
    // The system image is mounted only when the build made one (initrd.layout); an
    // unpacked initrd has nothing to mount and says so.
    const systemImage = (await repoConfig()).initrd.layout === 'system-image';
    assert.equal(ended.get('mountSystemImage')?.status, systemImage ? 'done' : 'skipped', JSON.stringify(ended.get('mountSystemImage')));
    for (const name of ['mountPseudoFilesystems', 'readConfig', 'loadModules', 'setHostname', 'loopbackUp', 'mountDockerDisk', 'prepareTls', 'startDockerd', 'loadBundledImages', 'runDhcp', 'startConsole']) {
      const step = ended.get(name);
      assert.ok(step, `step ${name} ended`);
      assert.equal(step.status, 'done', `step ${name}: ${JSON.stringify(step)}`);
      assert.equal(typeof step.ms, 'number');
    }
    assert.doesNotMatch(vm.serial, /Kernel panic/);
  });

  it('docker version: a 26.x (or newer) client and server', async () => {
    await check(vm, async () => {
      const [client, server] = (await sh(vm, `docker version --format '{{.Client.Version}} {{.Server.Version}}'`)).split(/\s+/);
      assert.match(client ?? '', new RegExp(`^${DOCKER_VERSION}`));
      assert.match(server ?? '', new RegExp(`^${DOCKER_VERSION}`));
    });
  });

  it('docker compose and docker buildx answer, from the plugins mounted beside the CLI', async () => {
    await check(vm, async () => {
      assert.match(await sh(vm, 'docker compose version'), /^Docker Compose version v?2\.\d+\.\d+/m);
      assert.match(await sh(vm, 'docker buildx version'), /buildx v?0\.\d+\.\d+/);
      assert.match(await sh(vm, 'docker info --format "{{range .ClientInfo.Plugins}}{{.Name}} {{.Path}}\n{{end}}"'), /^buildx \/usr\/local\/lib\/docker\/cli-plugins\/docker-buildx$[\s\S]*^compose \/usr\/local\/lib\/docker\/cli-plugins\/docker-compose$/m);
    });
  });

  it('a multi-stage Dockerfile builds with docker buildx build and with plain docker build, both BuildKit', async () => {
    await check(vm, async () => {
      await sh(vm, 'mkdir -p /root/multi');
      await sh(vm, writeFileCommand('/root/multi/Dockerfile', [
        `FROM ${base} AS stage-one`,
        'RUN echo "made in stage one" > /message',
        `FROM ${base}`,
        'COPY --from=stage-one /message /srv/message',
        'CMD ["cat", "/srv/message"]',
      ]));
      const buildx = await sh(vm, 'cd /root/multi && docker buildx build --progress=plain -t od-multi:buildx . 2>&1', buildTimeoutMs);
      assert.match(buildx, /^#\d+ \[stage-one 2\/2\] RUN echo "made in stage one" > \/message$/m);
      assert.match(buildx, /^#\d+ \[stage-\d 2\/2\] COPY --from=stage-one \/message \/srv\/message$/m);
      assert.equal(await sh(vm, 'docker run --rm od-multi:buildx'), 'made in stage one');

      // Plain docker build goes to BuildKit too: its numbered steps, not the classic builder's "Step 1/5 :".
      const plain = await sh(vm, 'cd /root/multi && docker build --no-cache --progress=plain -t od-multi:plain . 2>&1', buildTimeoutMs);
      assert.match(plain, /^#\d+ \[stage-one 2\/2\] RUN echo/m);
      assert.doesNotMatch(plain, /^Step \d+\/\d+ :/m);
      assert.doesNotMatch(plain, /DEPRECATED: The legacy builder/);
      assert.equal(await sh(vm, 'docker run --rm od-multi:plain'), 'made in stage one');
    });
  });

  it('docker compose up -d: the client service fetches the page of the web service (built from a Dockerfile) by its name', async () => {
    await check(vm, async () => {
      await sh(vm, 'mkdir -p /root/pair/web');
      await sh(vm, writeFileCommand('/root/pair/web/Dockerfile', [
        `FROM ${base}`,
        'RUN mkdir -p /srv && echo "served by web" > /srv/index.html',
        'CMD ["httpd", "-f", "-p", "80", "-h", "/srv"]',
      ]));
      await sh(vm, writeFileCommand('/root/pair/compose.yaml', [
        'services:',
        '  web:',
        '    build: ./web',
        '  client:',
        `    image: ${base}`,
        '    depends_on: [web]',
        '    command: ["sleep", "3600"]',
      ]));
      const up = await sh(vm, 'cd /root/pair && docker compose --ansi never --progress plain up -d 2>&1', buildTimeoutMs);
      assert.match(up, /Container pair-web-1\s+Started/);
      assert.match(up, /Container pair-client-1\s+Started/);
      const page = await sh(vm, 'cd /root/pair && for i in $(seq 30); do docker compose exec -T client wget -q -O- http://web/ && break; sleep 1; done');
      assert.equal(page, 'served by web');
      assert.match(await sh(vm, 'cd /root/pair && docker compose ps --format "{{.Service}} {{.State}}"'), /^client running$[\s\S]*^web running$|^web running$[\s\S]*^client running$/m);
      await sh(vm, 'cd /root/pair && docker compose --ansi never down 2>&1', 180_000);
    });
  });

  it('a published port (docker run -p 8080:80) is reached from the host through run.sh -p', async () => {
    await check(vm, async () => {
      await sh(vm, 'docker run -d --name od-published -p 8080:80 od-multi:buildx httpd -f -p 80 -h /srv');
      assert.deepEqual(await pageWhenServed(hostPort, '/message'), { status: 200, body: 'made in stage one\n' }, `GET http://127.0.0.1:${hostPort}/message`);
      await sh(vm, 'docker rm -f od-published');
    });
  });

  it('the configuration (run.sh --config): host name, daemon.json, a file, a service reached from the host and brought back when its process is killed and after docker kill; its typo and the broken config drive named on the console', async () => {
    await check(vm, async () => {
      assert.match(vm.serial, /config fw_cfg:opt\/org\.only-docker\/config line 4 column 3: unknown key docker\.deamon ignored/);
      assert.match(vm.serial, /config \/dev\/vd[a-z]:user-data line \d+ column \d+: [^\n]*the whole source ignored/);
      const read = vm.events().find((e) => e.od === 'config');
      assert.deepEqual(read?.sources, ['fw_cfg:opt/org.only-docker/config'], 'the config drive that is not YAML is not a source');
      assert.ok(Number(read?.problems) >= 2, `the typo and the YAML error counted: ${JSON.stringify(read)}`);
      assert.equal(await sh(vm, 'hostname'), 'node1');
      assert.match(await sh(vm, "docker info --format '{{json .RegistryConfig.Mirrors}}'"), /"https:\/\/mirror\.example:5000\/"/);
      const effective = JSON.parse(await sh(vm, 'cat /run/only-docker/config.json')) as { hostname: string; options: Record<string, string>; sources: string[] };
      assert.equal(effective.hostname, 'node1');
      assert.equal(effective.options['od.dhcp.timeout'], '45s', "the file's od: options, under the kernel command line");
      assert.equal(await sh(vm, 'stat -c "%a %s" /root/srv/index.html'), '644 28');
      const service = vm.events().find((e) => e.od === 'service');
      assert.equal(service?.status, 'running', JSON.stringify(service));
      assert.deepEqual(await pageWhenServed(servicePort, '/index.html'), { status: 200, body: 'hello from the configuration' }, `GET http://127.0.0.1:${servicePort}/index.html`);
      // Its restart policy: dockerd brings it back when its process dies (here killed from
      // the console, which sees the host's processes), the init does not need to.
      await sh(vm, "kill -9 $(docker inspect -f '{{.State.Pid}}' web)");
      assert.equal(await sh(vm, "for i in $(seq 60); do [ \"$(docker inspect -f '{{.State.Running}} {{.RestartCount}}' web)\" = 'true 1' ] && break; sleep 1; done; docker inspect -f '{{.State.Running}} {{.RestartCount}}' web"), 'true 1');
      // A person's `docker kill`: dockerd counts it as meant and leaves the container
      // stopped; the init's service keeper starts it again and says so.
      await sh(vm, 'docker kill web');
      const restarted = await vm.waitForEvent((e) => e.od === 'service' && e.status === 'restarted' && e.name === 'web', 120_000, 'service web started again after docker kill');
      assert.equal(restarted.exitCode, 137);
      assert.equal(await sh(vm, "docker inspect -f '{{.State.Running}}' web"), 'true');
      assert.deepEqual(await pageWhenServed(servicePort, '/index.html'), { status: 200, body: 'hello from the configuration' }, 'the service answers again after docker kill');
    });
  });

  it("the configuration's time server: chronyd in the ntp container syncs from it", async (t) => {
    await check(vm, async () => {
      const started = vm.events().find((e) => e.od === 'ntp');
      assert.deepEqual(started && { servers: started.servers, from: started.from }, { servers: ['10.0.2.2'], from: 'configuration' });
      assert.equal(await sh(vm, "docker inspect -f '{{.State.Running}} {{.HostConfig.CapAdd}}' ntp"), 'true [SYS_TIME]');
      if (!timeServer) return t.skip(`no time server on the host's 127.0.0.1:123 (${timeServerProblem}): chronyd runs, its sync is not checked`);
      const log = await sh(vm, "for i in $(seq 60); do docker logs ntp 2>&1 | grep -q 'Selected source' && break; sleep 1; done; docker logs ntp 2>&1 | tail -5", 240_000);
      assert.match(log, /Selected source 10\.0\.2\.2/);
      assert.equal(await sh(vm, "docker inspect -f '{{.RestartCount}}' ntp"), '0', 'chronyd ran from the start, never restarted');
      assert.ok(timeServer.answered > 0);
    });
  });

  it("the configuration's SSH key logs into the console from the host (run.sh's port), with the host key the console showed; a password is refused", async () => {
    await check(vm, async () => {
      const shown = vm.serial.match(/SSH host key ssh-ed25519 (SHA256:\S+)/);
      assert.ok(shown, 'the console shows the ed25519 host key');
      const ssh = (options: string[], command: string) =>
        execa('ssh', ['-p', String(sshPort), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${join(work, 'known_hosts')}`, ...options, 'root@127.0.0.1', command], { reject: false, timeout: 120_000 });
      const login = await ssh(['-i', join(work, 'id_ed25519')], 'hostname; docker ps --format "{{.Names}}"');
      assert.equal(login.exitCode, 0, login.stderr);
      const [hostname, ...containers] = login.stdout.trim().split('\n');
      assert.equal(hostname, 'node1');
      assert.ok(containers.includes('ssh') && containers.includes('dhcp'), `docker ps in the SSH session: ${containers.join(' ')}`);
      const known = await execa('ssh-keygen', ['-l', '-f', join(work, 'known_hosts')]);
      assert.match(known.stdout, new RegExp(shown[1]!.replace(/[+/]/g, (c) => `\\${c}`)), 'the host key ssh saw is the one the console showed');
      const password = await ssh(['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'], 'true');
      assert.notEqual(password.exitCode, 0);
      assert.match(password.stderr, /Permission denied \(publickey\)/);
    });
  });
});
