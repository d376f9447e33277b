import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { efiImageSize, makeEfiBootImage } from './efi-boot-image.ts';
import { isoHostFiles } from './host-files.ts';
import { findHostTool } from '../sources/host-tools.ts';

test('the FAT image leaves room for the EFI program, in whole MiB', () => {
  assert.equal(efiImageSize(663_552), 2 * 1024 * 1024);
  assert.equal(efiImageSize(100), 1024 * 1024);
});

const haveTools = ['grub-mkimage', 'mformat', 'xorriso'].every((tool) => findHostTool(tool));

test('efiboot.img holds /EFI/BOOT/BOOTX64.EFI and is the same bytes every time', { skip: !haveTools && 'no grub/mtools' }, async () => {
  const tools = isoHostFiles();
  const dirs = [await mkdtemp(join(tmpdir(), 'od-efi-')), await mkdtemp(join(tmpdir(), 'od-efi-'))];
  try {
    const [a, b] = [await makeEfiBootImage(tools, dirs[0]!, 1), await makeEfiBootImage(tools, dirs[1]!, 1)];
    const listing = await execa('mdir', ['-i', a.image, '::/EFI/BOOT'], { env: { MTOOLS_SKIP_CHECK: '1' } });
    assert.match(listing.stdout, /BOOTX64\s+EFI/);
    assert.match(listing.stdout, /1980-01-02/, 'a fixed, valid FAT date');
    assert.deepEqual(await readFile(a.image), await readFile(b.image));
    assert.deepEqual(await readFile(a.efi), await readFile(b.efi));
    assert.equal((await readFile(a.efi)).subarray(0, 2).toString(), 'MZ', 'a PE program');
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
});
