// virtualbox/create-vm.sh cannot create a real VM here (no VirtualBox): it runs with a
// fake VBoxManage on PATH that records every call, and the calls are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { virtualboxScriptPath, writeVirtualboxScript } from './write-virtualbox-script.ts';

interface Release {
  dir: string;
  script: string;
  iso: string;
  log: string;
  env: Record<string, string>;
}

async function release(options: { existingVm?: boolean } = {}): Promise<Release> {
  const dir = await mkdtemp(join(tmpdir(), 'od-vbox-'));
  const dist = join(dir, 'dist');
  await mkdir(dist);
  const iso = join(dist, 'only-docker.iso');
  await writeFile(iso, 'iso');
  await writeVirtualboxScript({ outDir: dist, vmlinuz: '', initrd: '', cmdline: '', version: '0', sourceDateEpoch: 1 });
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const log = join(dir, 'calls.log');
  // One line per call, arguments separated by a unit separator (they contain spaces).
  await writeFile(
    join(bin, 'VBoxManage'),
    `#!/bin/bash\n(IFS=$'\\x1f'; echo "$*") >> '${log}'\n[[ $1 == showvminfo ]] && exit ${options.existingVm ? 0 : 1}\nexit 0\n`,
  );
  await chmod(join(bin, 'VBoxManage'), 0o755);
  return { dir, script: virtualboxScriptPath(dist), iso, log, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir } };
}

async function calls(log: string): Promise<string[][]> {
  return (await readFile(log, 'utf8')).trimEnd().split('\n').map((line) => line.split('\x1f'));
}

test('create-vm.sh creates the VirtualBox hardware the ISO is tested on, and starts it', async () => {
  const r = await release();
  try {
    const run = await execa(r.script, [], { env: r.env });
    assert.match(run.stderr, /prepare a blank disk \/dev\/sda as DOCKER/);
    const vmDir = join(r.dir, 'VirtualBox VMs', 'only-docker');
    assert.deepEqual(await calls(r.log), [
      ['showvminfo', 'only-docker', '--machinereadable'],
      ['createvm', '--name', 'only-docker', '--ostype', 'Linux_64', '--register'],
      ['modifyvm', 'only-docker', '--firmware', 'bios', '--memory', '2048', '--cpus', '2', '--ioapic', 'on', '--vram', '16', '--rtcuseutc', 'on',
        '--nic1', 'nat', '--nictype1', '82540EM', '--boot1', 'dvd', '--boot2', 'disk', '--boot3', 'none', '--boot4', 'none',
        '--uart1', '0x3F8', '4', '--uartmode1', 'file', join(vmDir, 'serial.log')],
      ['storagectl', 'only-docker', '--name', 'SATA', '--add', 'sata', '--controller', 'IntelAhci', '--portcount', '1', '--bootable', 'on'],
      ['createmedium', 'disk', '--filename', join(vmDir, 'docker.vdi'), '--size', '8192', '--format', 'VDI', '--variant', 'Standard'],
      ['storageattach', 'only-docker', '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', join(vmDir, 'docker.vdi')],
      ['storagectl', 'only-docker', '--name', 'IDE', '--add', 'ide', '--controller', 'PIIX4', '--bootable', 'on'],
      ['storageattach', 'only-docker', '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', r.iso],
      ['startvm', 'only-docker', '--type', 'gui'],
    ]);
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('create-vm.sh options: name, memory, disk, ports, no serial, headless', async () => {
  const r = await release();
  try {
    const disk = join(r.dir, 'kept.vdi');
    await writeFile(disk, 'an existing disk');
    const run = await execa(r.script, ['-n', 'od2', '-m', '4096', '-c', '1', '--disk', disk, '-p', '2375:2375', '--port', 'udp:5353:53', '-p', '0.0.0.0:8080:80', '--no-serial', '--headless', '--basefolder', join(r.dir, 'vms')], { env: r.env });
    assert.match(run.stderr, /attaching the existing disk/);
    const all = await calls(r.log);
    assert.deepEqual(all[1], ['createvm', '--name', 'od2', '--ostype', 'Linux_64', '--register', '--basefolder', join(r.dir, 'vms')]);
    assert.ok(all[2]!.includes('4096') && !all[2]!.includes('--uart1'));
    assert.deepEqual(all[3], ['modifyvm', 'od2', '--natpf1', 'tcp-2375,tcp,127.0.0.1,2375,,2375']);
    assert.deepEqual(all[4], ['modifyvm', 'od2', '--natpf1', 'udp-5353,udp,127.0.0.1,5353,,53']);
    assert.deepEqual(all[5], ['modifyvm', 'od2', '--natpf1', 'tcp-8080,tcp,0.0.0.0,8080,,80'], 'another address only when asked');
    assert.ok(!all.some((call) => call[0] === 'createmedium'), 'an existing disk is never recreated');
    assert.ok(all.some((call) => call.at(-1) === disk && call[0] === 'storageattach'));
    assert.deepEqual(all.at(-1), ['startvm', 'od2', '--type', 'headless']);
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('--dry-run prints every call and runs none; an existing VM is refused unless --replace', async () => {
  const r = await release({ existingVm: true });
  try {
    const dry = await execa(r.script, ['--dry-run', '--no-start', '--disk-size', '2048'], { env: { ...r.env, PATH: '/usr/bin:/bin' } });
    const lines = dry.stdout.split('\n');
    assert.equal(lines.length, 7);
    assert.match(lines[0]!, /^VBoxManage createvm --name only-docker --ostype Linux_64 --register$/);
    assert.match(lines[3]!, /^VBoxManage createmedium disk --filename .*docker\.vdi --size 2048 --format VDI/);
    assert.equal(lines.some((line) => line.includes('startvm')), false);

    const refused = await execa(r.script, [], { env: r.env, reject: false });
    assert.match(refused.stderr, /a VM named "only-docker" exists/);
    await rm(r.log);
    await execa(r.script, ['--replace', '--no-start'], { env: r.env });
    const all = await calls(r.log);
    assert.deepEqual(all.slice(1, 3).map((call) => call.slice(0, 2)), [['storageattach', 'only-docker'], ['unregistervm', 'only-docker']]);
    assert.deepEqual(all[2], ['unregistervm', 'only-docker', '--delete']);
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('create-vm.sh --config makes a config drive (ISO 9660 labelled cidata, user-data and meta-data) and attaches it as a second DVD', async () => {
  const r = await release();
  try {
    await writeFile(join(r.dir, 'od.yaml'), 'hostname: box\n');
    await execa(r.script, ['--config', 'od.yaml', '--no-start'], { env: r.env, cwd: r.dir });
    const vmDir = join(r.dir, 'VirtualBox VMs', 'only-docker');
    const drive = join(vmDir, 'cidata.iso');
    const all = await calls(r.log);
    assert.deepEqual(all.at(-2), ['storageattach', 'only-docker', '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', r.iso]);
    assert.deepEqual(all.at(-1), ['storageattach', 'only-docker', '--storagectl', 'IDE', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', drive]);
    // What the init looks for: the primary volume descriptor's id, and the two files.
    const head = await readFile(drive);
    assert.equal(head.subarray(32768 + 1, 32768 + 6).toString('latin1'), 'CD001');
    assert.equal(head.subarray(32768 + 40, 32768 + 72).toString('latin1').trimEnd(), 'cidata');
    const out = join(r.dir, 'extracted');
    await execa('xorriso', ['-osirrox', 'on', '-indev', drive, '-extract', '/', out]);
    assert.equal(await readFile(join(out, 'user-data'), 'utf8'), 'hostname: box\n');
    assert.equal(await readFile(join(out, 'meta-data'), 'utf8'), '');

    const dry = await execa(r.script, ['--config', join(r.dir, 'od.yaml'), '--dry-run', '--no-start', '--name', 'dry'], { env: r.env });
    assert.match(dry.stdout, /^xorriso -as mkisofs -V cidata -J -r -o .*dry\/cidata\.iso DIR$/m);
    assert.match(dry.stdout, /^VBoxManage storageattach dry --storagectl IDE --port 1 --device 0 --type dvddrive --medium .*dry\/cidata\.iso$/m);
    assert.equal(existsSync(join(r.dir, 'VirtualBox VMs', 'dry')), false, 'a dry run makes nothing');
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('create-vm.sh --config: a missing file or a missing xorriso is said before any VBoxManage call', async () => {
  const r = await release();
  try {
    const fail = (args: string[], env = r.env) => execa(r.script, args, { env, cwd: r.dir, reject: false });
    assert.match((await fail(['--config', 'nope.yaml'])).stderr, /--config: nope\.yaml does not exist/);
    assert.match((await fail(['--config', r.dir])).stderr, /--config: .* is not a regular file/);
    await writeFile(join(r.dir, 'od.yaml'), '');
    const noXorriso = await fail(['--config', 'od.yaml'], { ...r.env, XORRISO: 'no-such-xorriso' });
    assert.equal(noXorriso.exitCode, 1);
    assert.match(noXorriso.stderr, /no-such-xorriso not found, needed for --config .*install xorriso \(Debian\/Ubuntu: apt-get install xorriso\)/);
    assert.equal(existsSync(r.log), false);
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});

test('create-vm.sh explains what is wrong: no ISO, no VBoxManage, bad options', async () => {
  const r = await release();
  try {
    const fail = (args: string[], env = r.env) => execa(r.script, args, { env, reject: false });
    assert.match((await fail(['--iso', '/nonexistent.iso'])).stderr, /the ISO \/nonexistent\.iso does not exist/);
    assert.match((await fail([], { ...r.env, VBOXMANAGE: 'no-such-vboxmanage' })).stderr, /no-such-vboxmanage not found: install VirtualBox/);
    assert.match((await fail(['--disk-size', 'big'])).stderr, /--disk-size takes MiB/);
    await rm(r.log, { force: true });
    assert.match((await fail(['-p', 'x'])).stderr, /--port takes \[ADDR:\]HOST:GUEST/);
    assert.equal(existsSync(r.log), false, 'a bad option is reported before any VBoxManage call');
    assert.match((await fail(['--frob'])).stderr, /unknown option "--frob"/);
    assert.match((await execa(r.script, ['--help'])).stdout, /--natpf1|forward a host TCP port/);
  } finally {
    await rm(r.dir, { recursive: true, force: true });
  }
});
