// What several VM tests prepare the same way: the ISO from the built kernel and
// initrd, disk images, a work directory, and the wait for Docker (or a failed boot).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { DIST, type OdEvent, type QemuVm } from './qemu-vm.ts';
import { writeIso } from '../../../builder/outputs/write-iso.ts';
import { loadConfig } from '../../../builder/config/load-config.ts';
import type { BuildConfig } from '../../../builder/config/schema.ts';
import type { OutputInputs } from '../../../builder/outputs/output-types.ts';
import { projectVersion, REPO_ROOT } from '../../../builder/project.ts';

/** The directory holding the vmlinuz and initrd.img under test (OD_TEST_DIST overrides). */
export const testDist = (): string => process.env.OD_TEST_DIST ?? DIST;

export const repoConfig = (): Promise<BuildConfig> => loadConfig(join(REPO_ROOT, 'only-docker.json'));

/** Output inputs for the built kernel and initrd, writing into `outDir`. */
export async function outputInputsFor(outDir: string): Promise<OutputInputs> {
  const config = await repoConfig();
  return {
    outDir,
    vmlinuz: join(testDist(), 'vmlinuz'),
    initrd: join(testDist(), 'initrd.img'),
    cmdline: config.kernel.cmdline,
    version: projectVersion(),
    sourceDateEpoch: config.sourceDateEpoch,
  };
}

/** An ISO of the built kernel and initrd, written into `outDir`. */
export async function isoFromDist(outDir: string): Promise<string> {
  return (await writeIso(await outputInputsFor(outDir))).path;
}

const SBIN_PATH = { PATH: `/usr/sbin:/sbin:${process.env.PATH}` };

/** A sparse raw disk image; with a label, formatted ext4 with that label. */
export async function makeDisk(path: string, options: { size?: string; label?: string } = {}): Promise<string> {
  await execa('truncate', ['-s', options.size ?? '2G', path]);
  if (options.label) await execa('mkfs.ext4', ['-q', '-F', '-L', options.label, path], { env: SBIN_PATH });
  return path;
}

/** The filesystem label of a disk image, or '' when it has none. */
export async function diskLabel(path: string): Promise<string> {
  const result = await execa('e2label', [path], { env: SBIN_PATH, reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

/**
 * The Docker version the payload ships: Debian 13's 26.1, or newer (a sid build). Told
 * apart from Debian 12's 20.10, which the payload no longer has.
 */
export const DOCKER_VERSION = String.raw`(?:2[6-9]|[3-9]\d)\.\d+\.\d+`;
/** A line that starts with such a version (`docker version --format {{.Server.Version}}`). */
export const dockerVersionLine = new RegExp(`^${DOCKER_VERSION}`, 'm');

/**
 * Waits for Docker to answer, failing at once (with the failed step) when the init
 * reports that the boot failed instead of waiting for the timeout.
 */
export async function waitForDockerReady(vm: QemuVm, timeoutMs: number): Promise<OdEvent> {
  const ready = await vm.waitForEvent((e) => (e.od === 'docker' && e.status === 'ready') || (e.od === 'boot' && e.status === 'failed'), timeoutMs, 'docker ready');
  const failedStep = vm.events().find((e) => e.od === 'step' && e.status === 'failed');
  assert.equal(ready.od, 'docker', `the boot failed before Docker was ready: ${JSON.stringify(failedStep ?? ready)}`);
  return ready;
}

/**
 * A stock docker CLI for talking to the VM from the host: the one on PATH, else
 * Debian's from the docker-cli package the build downloaded (the same CLI the VM
 * ships), unpacked into `work`. The host never needs a Docker engine.
 */
export async function hostDockerCli(work: string): Promise<string> {
  const onPath = await execa('sh', ['-c', 'command -v docker'], { reject: false });
  if (onPath.exitCode === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  const config = await repoConfig();
  const debs = join(REPO_ROOT, config.cacheDir, 'debs');
  // Debian 13 ships the CLI in docker-cli; Debian 12's docker.io had it inside.
  const names = await readdir(debs);
  const deb = names.find((name) => /^docker-cli_.*\.deb$/.test(name)) ?? names.find((name) => /^docker\.io_20\..*\.deb$/.test(name));
  assert.ok(deb, `no docker CLI on PATH and no docker-cli package in ${debs}: run make build first`);
  const into = join(work, 'docker-cli');
  await mkdir(into, { recursive: true });
  await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./usr/bin/docker', 'sh', join(debs, deb), into]);
  return join(into, 'usr/bin/docker');
}

/**
 * QEMU arguments for the hardware VirtualBox gives a Linux 64-bit VM: an Intel PRO/1000
 * (e1000) on NAT, `disk` on an AHCI (SATA) controller, and the ISO as an IDE CD-ROM it
 * boots from (BIOS).
 */
export function virtualboxLikeMachine(iso: string, disk: string): string[] {
  return [
    '-nic', 'user,model=e1000',
    '-device', 'ahci,id=ahci',
    '-drive', `if=none,id=d0,file=${disk},format=raw`,
    '-device', 'ide-hd,drive=d0,bus=ahci.0',
    '-cdrom', iso,
    '-boot', 'd',
  ];
}

/** A TCP port on 127.0.0.1 that nothing listens on now, for a QEMU forward. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PlainGetResult {
  status?: number;
  body?: string;
  /** What ended the request when there was no answer (ECONNRESET, timeout...). */
  error?: string;
}

/** A plain-HTTP GET on 127.0.0.1 (a QEMU forward): the status and body, or the error that ended it. */
export function plainGet(port: number, path: string): Promise<PlainGetResult> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 20_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
  });
}
