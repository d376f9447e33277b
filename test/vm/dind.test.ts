// Docker-in-Docker inside the booted OS (the build host has no engine): the dind image
// the build writes is handed to the VM as a read-only disk (a tar read from a block
// device: 9p under TCG needed minutes for its 300 MB) and loaded, runs privileged with its
// certificates in a volume, and a client container reaches it over TLS by the
// docker:dind conventions; the same init embedded into another image by the README's
// recipe runs too; without --privileged it refuses with a clear error; `docker stop`
// ends it with exit code 0. One boot serves every check, in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, QemuVm } from './harness/qemu-vm.ts';
import { makeDisk, testDist } from './harness/fixtures.ts';
import { sh, waitForConsolePrompt } from './harness/storage-checks.ts';
import { releaseImagePaths } from '../../builder/images/release-images.ts';
import { projectVersion } from '../../builder/project.ts';

const version = projectVersion();
const image = `only-docker/dind:${version}`;
/** The DOCKER disk is vda; the two archives follow in the order they are attached. */
const imageDevice = '/dev/vdb';
const rootfsDevice = '/dev/vdc';

/** Polls `docker logs NAME` until the init says Docker is ready (or the container stopped). */
async function waitForDind(vm: QemuVm, name: string, timeoutS = 300): Promise<void> {
  const script =
    `for i in $(seq ${timeoutS / 2}); do ` +
    `docker logs ${name} 2>&1 | grep -q 'only-docker-dind: Docker .* is ready' && break; ` +
    `[ "$(docker inspect -f '{{.State.Running}}' ${name})" = true ] || break; sleep 2; done; ` +
    `docker logs ${name} 2>&1 | grep 'only-docker-dind: Docker .* is ready'`;
  try {
    await sh(vm, script, (timeoutS + 30) * 1000);
  } catch (error) {
    const logs = await vm.run(`docker logs ${name} 2>&1 | tail -25`, 60_000).catch(() => '(no logs)');
    throw new Error(`${name} did not get ready: ${(error as Error).message}\n--- docker logs ${name} ---\n${logs}`, { cause: error });
  }
}

describe('Docker-in-Docker: the init as a container entrypoint (one boot)', { timeout: 1_500_000 }, () => {
  let vm: QemuVm;
  let work: string;

  before(async () => {
    const paths = releaseImagePaths(testDist(), 'dind');
    assert.ok(existsSync(paths.image) && existsSync(paths.rootfs), `build the dind image first (make build): ${paths.image}`);
    work = await mkdtemp(join(tmpdir(), 'od-dind-'));
    const disk = await makeDisk(join(work, 'docker.img'), { size: '4G', label: 'DOCKER' });
    vm = await QemuVm.bootToInit({
      name: 'dind',
      memoryMb: 2048,
      // A busy build host can slow TCG a lot: the check is that it works, not how fast.
      append: 'od.dockerd.timeout=240',
      qemuArgs: [
        '-drive', `file=${disk},format=raw,if=virtio`,
        '-drive', `file=${paths.image},format=raw,if=virtio,readonly=on`,
        '-drive', `file=${paths.rootfs},format=raw,if=virtio,readonly=on`,
      ],
    });
    await check(vm, async () => {
      await waitForConsolePrompt(vm);
      const started = Date.now();
      await sh(vm, `docker load -q -i ${imageDevice}`, 600_000);
      console.log(`docker load of the dind image: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  });

  after(async () => {
    vm?.keepLog();
    await vm?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('runs privileged with /certs in a volume; a client container uses it over TLS', async () => {
    await check(vm, async () => {
      await sh(vm, 'docker network create dindnet >/dev/null');
      await sh(vm, `docker run -d --privileged --name dind --network dindnet --network-alias docker -v dind-certs:/certs ${image} >/dev/null`);
      const started = Date.now();
      await waitForDind(vm, 'dind');
      console.log(`dind ready ${((Date.now() - started) / 1000).toFixed(1)} s after docker run (certificates made at first start)`);
      const logs = await sh(vm, 'docker logs dind 2>&1 | grep only-docker-dind:');
      assert.match(logs, /container mode/);
      assert.match(logs, /tcp:\/\/0\.0\.0\.0:2376 \(TLS/);
      // The client: only the client certificates, read-only, as docker:dind documents.
      const client =
        `docker run --rm --network dindnet -v dind-certs:/certs:ro -v /usr/share/only-docker/images:/images:ro ` +
        `-e DOCKER_HOST=tcp://docker:2376 -e DOCKER_TLS_VERIFY=1 -e DOCKER_CERT_PATH=/certs/client --entrypoint sh ${image} -c`;
      const out = await sh(
        vm,
        `${client} 'docker version --format "server={{.Server.Version}}" && docker load -q -i /images/console.tar >/dev/null && docker run --rm only-docker/console:${version} echo inner-container-ran'`,
        300_000,
      );
      assert.match(out, /server=\d+\.\d+/);
      assert.match(out, /inner-container-ran/);
      // Without a client certificate the daemon refuses.
      const refused = await vm.run(`docker run --rm --network dindnet --entrypoint docker ${image} -H tcp://docker:2376 version 2>&1; echo "rc=$?"`, 120_000);
      assert.match(refused, /rc=[1-9]/);
    });
  });

  it('docker stop ends it cleanly with exit code 0', async () => {
    await check(vm, async () => {
      await sh(vm, 'docker stop dind >/dev/null', 60_000);
      assert.equal(await sh(vm, "docker inspect -f '{{.State.ExitCode}}' dind"), '0');
      assert.match(await sh(vm, 'docker logs dind 2>&1 | grep only-docker-dind: | tail -3'), /SIGTERM: stopping dockerd[\s\S]*dockerd ended \(code 0\)/);
    });
  });

  it('without --privileged it exits non-zero and names --privileged', async () => {
    await check(vm, async () => {
      const out = await vm.run(`docker run --rm ${image} 2>&1; echo "rc=$?"`, 120_000);
      assert.match(out, /--privileged/);
      assert.match(out, /rc=[1-9]/);
    });
  });

  it('embedded into another image by the README recipe, it runs Docker too', async () => {
    await check(vm, async () => {
      await sh(vm, `mkdir -p /root/embed && cat ${rootfsDevice} > /root/embed/only-docker-dind.tar`, 300_000);
      await sh(
        vm,
        `printf '%s\\n' 'FROM only-docker/console:${version}' 'ADD only-docker-dind.tar /' ` +
          `'ENTRYPOINT ["/usr/local/bin/only-docker-init", "--container"]' > /root/embed/Dockerfile`,
      );
      await sh(vm, 'docker build -q -t embedded-dind /root/embed >/dev/null', 600_000);
      await sh(vm, 'rm -rf /root/embed');
      await sh(vm, 'docker run -d --privileged --name embedded -e DOCKER_TLS_CERTDIR= embedded-dind --storage-driver vfs >/dev/null');
      await waitForDind(vm, 'embedded');
      assert.match(await sh(vm, 'docker logs embedded 2>&1 | grep -c "WITHOUT TLS"'), /^[1-9]/);
      assert.match(await sh(vm, "docker exec embedded docker info --format '{{.Driver}}'"), /^vfs$/m);
      await sh(vm, 'docker stop embedded >/dev/null', 60_000);
      assert.equal(await sh(vm, "docker inspect -f '{{.State.ExitCode}}' embedded"), '0');
    });
  });
});
