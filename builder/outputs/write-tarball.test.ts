import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { OutputInputs } from './output-types.ts';
import { MissingArtifactError } from './output-errors.ts';
import { writeKvmScript } from './write-kvm-script.ts';
import { writeVirtualboxScript } from './write-virtualbox-script.ts';
import { writeTarball } from './write-tarball.ts';
import { writeIso } from './write-iso.ts';
import { releaseReadme } from './release-readme.ts';

async function outDir(): Promise<OutputInputs> {
  const dir = await mkdtemp(join(tmpdir(), 'od-tarball-'));
  await writeFile(join(dir, 'vmlinuz'), 'kernel');
  await writeFile(join(dir, 'initrd.img'), 'initrd');
  return { outDir: dir, vmlinuz: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), cmdline: 'console=ttyS0', version: '9.9.9', sourceDateEpoch: 1 };
}

async function listing(path: string): Promise<string[]> {
  return (await execa('tar', ['-tzf', path])).stdout.split('\n');
}

test('the bundle has the kernel, initrd, both scripts and the README under dist/; the ISO only when current', async () => {
  const inputs = await outDir();
  try {
    await writeKvmScript(inputs);
    await writeVirtualboxScript(inputs);
    const first = await writeTarball(inputs);
    assert.equal(first.skipped, false);
    assert.match(first.notes?.[0] ?? '', /no .*only-docker\.iso: the bundle has no ISO/);
    assert.deepEqual(await listing(first.path), ['dist/', 'dist/README.md', 'dist/initrd.img', 'dist/kvm/', 'dist/kvm/run.sh', 'dist/virtualbox/', 'dist/virtualbox/create-vm.sh', 'dist/vmlinuz']);
    assert.equal((await writeTarball(inputs)).skipped, true, 'nothing changed');

    // An ISO older than the initrd is stale: left out, with a note.
    await writeFile(join(inputs.outDir, 'only-docker.iso'), 'iso');
    await utimes(join(inputs.outDir, 'only-docker.iso'), 1000, 1000);
    const stale = await writeTarball(inputs);
    assert.match(stale.notes?.[0] ?? '', /older than .*(vmlinuz|initrd\.img): left out/);
    assert.ok(!(await listing(stale.path)).includes('dist/only-docker.iso'));

    await utimes(join(inputs.outDir, 'only-docker.iso'), new Date(), new Date());
    const withIso = await writeTarball(inputs);
    assert.equal(withIso.skipped, false, 'the ISO joining changes the bundle');
    assert.ok((await listing(withIso.path)).includes('dist/only-docker.iso'));
  } finally {
    await rm(inputs.outDir, { recursive: true, force: true });
  }
});

test('without a build, the outputs say to run make build', async () => {
  const inputs = await outDir();
  try {
    await rm(inputs.initrd);
    await assert.rejects(writeTarball(inputs), (err: unknown) => err instanceof MissingArtifactError && /initrd\.img does not exist: run "make build" first/.test(err.message));
    await assert.rejects(writeIso(inputs), MissingArtifactError);
  } finally {
    await rm(inputs.outDir, { recursive: true, force: true });
  }
});

test('the bundle README is the marked section of the repository README', async () => {
  const text = releaseReadme('intro\n<!-- release-readme:start -->\n### Run\nrun it\n<!-- release-readme:end -->\nmore', '1.0');
  assert.equal(text, '# only-docker 1.0\n\n### Run\nrun it\n');
  assert.throws(() => releaseReadme('no markers', '1.0'), /README\.md has no section/);
  // The repository's README has the section, and it tells how to boot the bundle.
  const real = releaseReadme(await readFile(new URL('../../README.md', import.meta.url), 'utf8'), '1.0');
  assert.match(real, /\.\/dist\/kvm\/run\.sh/);
});
