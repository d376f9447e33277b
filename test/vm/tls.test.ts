// The remote Docker API over TLS, as a user gets it from dist/kvm/run.sh: the host's
// stock docker CLI, with the client certificates the init put in run.sh's certs/
// share, talks to the VM through the forwarded port. Without a client certificate, or
// with one from another CA, it is refused; nothing answers plain HTTP; and after a
// reboot on the same DOCKER disk the CA and the client certificate are the same.
// Two boots of the same disk image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { withVm, type OdEvent, type QemuVm } from './harness/qemu-vm.ts';
import { dockerVersionLine, freePort, plainGet, hostDockerCli, outputInputsFor, testDist } from './harness/fixtures.ts';
import { kvmScriptPath, writeKvmScript } from '../../builder/outputs/write-kvm-script.ts';
import { createCertificate } from '../../init/tls/certificates.ts';
import { generatePrivateKey } from '../../init/tls/keys.ts';
import { withTempDir } from '../helpers/temp-dir.ts';

/** Waits for the end of the boot; fails at once with the failed step when there is one. */
async function waitForBoot(vm: QemuVm, timeoutMs: number): Promise<void> {
  const end = await vm.waitForEvent((e) => e.od === 'boot', timeoutMs, 'boot done');
  const failed = vm.events().filter((e) => e.od === 'step' && e.status === 'failed');
  assert.equal(end.status, 'done', `the boot failed: ${JSON.stringify(failed)}`);
}

const stepEnd = (vm: QemuVm, name: string): OdEvent | undefined => vm.events().find((e) => e.od === 'step' && e.name === name && e.status !== 'start');

test('remote API: TLS with client certificates from run.sh\'s share, refused otherwise, the same certificates after a reboot', { timeout: 1_200_000 }, async (t) => {
  await withTempDir('od-tls-', async (work) => {
    const inputs = await outputInputsFor(join(work, 'out'));
    await writeKvmScript(inputs);
    const port = await freePort();
    const plainPort = await freePort();
    const certs = join(work, 'certs');
    const disk = join(work, 'docker.img');
    const dockerConfig = join(work, 'docker-config');
    await mkdir(dockerConfig);
    const launcher = {
      command: kvmScriptPath(inputs.outDir),
      // Guest port 2375 is forwarded too, only to show that nothing listens there.
      args: ['--accel', 'tcg', '--disk', disk, '--disk-size', '2G', '--remote-port', String(port), '--certs', certs, '-p', `${plainPort}:2375`],
      env: { ...process.env, OD_DIST: testDist() },
    };
    // A stock docker CLI on the host, with nothing from the host's own configuration.
    const dockerCli = await hostDockerCli(work);
    const docker = (args: string[], env: Record<string, string>) =>
      execa(dockerCli, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, DOCKER_CONFIG: dockerConfig, ...env }, extendEnv: false, reject: false, timeout: 180_000 });

    let clientFingerprint = '';
    let caFingerprint = '';
    const firstBootCerts = join(work, 'first-boot-certs');

    await withVm({ name: 'tls-first-boot', launcher }, async (vm) => {
      const started = Date.now();
      // The lines run.sh prints are the ones used here.
      const exportLine = await vm.waitFor(/export (DOCKER_HOST=\S+) (DOCKER_CERT_PATH=\S+) (DOCKER_TLS_VERIFY=1)/, 30_000);
      const env = Object.fromEntries(exportLine.slice(1, 4).map((pair) => pair.split('=', 2) as [string, string]));
      assert.equal(env.DOCKER_HOST, `tcp://localhost:${port}`);
      assert.equal(env.DOCKER_CERT_PATH, certs);

      const ready = await vm.waitForEvent((e) => (e.od === 'tls' && e.status === 'ready') || (e.od === 'boot' && e.status === 'failed'), 600_000, 'tls ready');
      assert.equal(ready.od, 'tls', JSON.stringify(stepEnd(vm, 'prepareTls')));
      assert.deepEqual([ready.persistent, ready.regenerated], [true, true], JSON.stringify(ready));
      t.diagnostic(`first boot: certificates made in ${String(ready.ms)} ms`);
      await waitForBoot(vm, 600_000);
      t.diagnostic(`first boot done ${((Date.now() - started) / 1000).toFixed(1)} s after run.sh started`);
      // The first boot's certificate could not know the DHCP address: refreshTls made a
      // new one and restarted dockerd.
      const renewed = vm.events().find((e) => e.od === 'tls' && e.status === 'renewed');
      assert.ok(renewed, `refreshTls: ${JSON.stringify(stepEnd(vm, 'refreshTls'))}`);
      assert.match(String(renewed.reason), /10\.0\.2\.15/);
      t.diagnostic(`first boot: new server certificate and dockerd restart in ${String(renewed.ms)} ms`);

      // The share holds what DOCKER_CERT_PATH wants, the key for its owner only.
      for (const name of ['ca.pem', 'cert.pem', 'key.pem']) assert.ok((await stat(join(certs, name))).size > 0, name);
      assert.equal((await stat(join(certs, 'key.pem'))).mode & 0o777, 0o600);
      const client = new X509Certificate(await readFile(join(certs, 'cert.pem')));
      const ca = new X509Certificate(await readFile(join(certs, 'ca.pem')));
      assert.ok(client.verify(ca.publicKey));
      clientFingerprint = client.fingerprint256;
      caFingerprint = ca.fingerprint256;
      assert.ok(vm.serial.includes(`SHA-256 ${clientFingerprint}`), 'the console names the client certificate');
      await cp(certs, firstBootCerts, { recursive: true });

      // The stock CLI with the certificates: version, and a container run.
      const version = await docker(['version', '--format', '{{.Server.Version}}'], env);
      assert.equal(version.exitCode, 0, version.stderr);
      assert.match(version.stdout, dockerVersionLine);
      const run = await docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', '-v', '/var/lib/docker/.only-docker/tls:/tls:ro', 'only-docker/dhcp:latest', '-c', 'stat -c "%a %u %n" /tls /tls/ca /tls/ca/key.pem /tls/server/key.pem /tls/client/key.pem /tls/server/cert.pem'], env);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), [
        '700 0 /tls',
        '700 0 /tls/ca',
        '600 0 /tls/ca/key.pem',
        '600 0 /tls/server/key.pem',
        '600 0 /tls/client/key.pem',
        '644 0 /tls/server/cert.pem',
      ]);

      // Without a client certificate: refused.
      const anonymous = await docker(['--tlsverify', '--tlscacert', join(certs, 'ca.pem'), '-H', `tcp://localhost:${port}`, 'version', '--format', '{{.Server.Version}}'], {});
      assert.notEqual(anonymous.exitCode, 0);
      assert.doesNotMatch(anonymous.stdout, dockerVersionLine);
      // The server's refusal (a TLS alert), not a local problem of the CLI.
      assert.match(anonymous.stderr, /remote error: tls: /);

      // With a client certificate from another CA: refused.
      const strangers = join(work, 'strangers');
      await mkdir(strangers);
      const [otherCaKey, otherKey] = await Promise.all([generatePrivateKey(), generatePrivateKey()]);
      const notBefore = new Date(Date.now() - 86_400_000);
      const notAfter = new Date(Date.now() + 86_400_000);
      const otherCa = await createCertificate({ kind: 'ca', commonName: 'another CA', keyPem: otherCaKey, notBefore, notAfter });
      await writeFile(join(strangers, 'ca.pem'), await readFile(join(certs, 'ca.pem')));
      await writeFile(join(strangers, 'key.pem'), otherKey, { mode: 0o600 });
      await writeFile(join(strangers, 'cert.pem'), await createCertificate({ kind: 'client', commonName: 'only-docker client', keyPem: otherKey, issuer: { certPem: otherCa, keyPem: otherCaKey }, notBefore, notAfter }));
      const foreign = await docker(['version', '--format', '{{.Server.Version}}'], { ...env, DOCKER_CERT_PATH: strangers });
      assert.notEqual(foreign.exitCode, 0);
      assert.doesNotMatch(foreign.stdout, dockerVersionLine);
      assert.match(foreign.stderr, /remote error: tls: /);

      // Plain HTTP gets no answer from the API on either port.
      const onTls = await plainGet(port, '/_ping');
      assert.ok(!(onTls.status === 200 && onTls.body === 'OK'), `plain HTTP on the TLS port: ${JSON.stringify(onTls)}`);
      const onPlain = await plainGet(plainPort, '/_ping');
      assert.ok(onPlain.status === undefined, `something answers on guest port 2375: ${JSON.stringify(onPlain)}`);
      t.diagnostic(`refused: no certificate "${anonymous.stderr.trim()}", another CA "${foreign.stderr.trim()}"`);
      t.diagnostic(`plain HTTP: TLS port ${JSON.stringify(onTls)}, port 2375 ${JSON.stringify(onPlain)}`);
    });

    await withVm({ name: 'tls-second-boot', launcher }, async (vm) => {
      const ready = await vm.waitForEvent((e) => (e.od === 'tls' && e.status === 'ready') || (e.od === 'boot' && e.status === 'failed'), 600_000, 'tls ready');
      assert.equal(ready.od, 'tls', JSON.stringify(stepEnd(vm, 'prepareTls')));
      assert.deepEqual([ready.persistent, ready.regenerated], [true, false], JSON.stringify(ready));
      await waitForBoot(vm, 600_000);
      const renewed = vm.events().find((e) => e.od === 'tls' && e.status === 'renewed');
      assert.equal(renewed, undefined, 'the same address: no new certificate, no dockerd restart');

      assert.equal(new X509Certificate(await readFile(join(certs, 'cert.pem'))).fingerprint256, clientFingerprint, 'the same client certificate');
      assert.equal(new X509Certificate(await readFile(join(certs, 'ca.pem'))).fingerprint256, caFingerprint, 'the same CA');
      // A client set up on the first boot still gets in.
      const version = await docker(['version', '--format', '{{.Server.Version}}'], { DOCKER_HOST: `tcp://localhost:${port}`, DOCKER_CERT_PATH: firstBootCerts, DOCKER_TLS_VERIFY: '1' });
      assert.equal(version.exitCode, 0, version.stderr);
      assert.match(version.stdout, dockerVersionLine);
    });
  });
});
