import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootMenu, BootMenuError, grubConfig, grubEarlyConfig, isolinuxConfig, screenConsoleCmdline } from './boot-menu.ts';

const CMDLINE = 'console=tty0 console=ttyS0,115200';

test('the first entry boots the default command line, the second prepares a blank /dev/sda', () => {
  const menu = bootMenu(CMDLINE, '1.2.3');
  assert.equal(menu.title, 'only-docker 1.2.3');
  assert.deepEqual(
    menu.entries.map((e) => [e.id, e.cmdline]),
    [
      ['only-docker', CMDLINE],
      ['format-disk', `${CMDLINE} od.disk.format=/dev/sda`],
      ['screen-console', 'console=ttyS0,115200 console=tty0'],
    ],
  );
  assert.equal(menu.entries[1]!.title, 'only-docker (prepare a blank disk /dev/sda as DOCKER)');
});

test('the screen entry keeps other options and puts tty0 last', () => {
  assert.equal(screenConsoleCmdline('quiet console=ttyS0 od.debug console=tty0'), 'quiet od.debug console=ttyS0 console=tty0');
  assert.equal(screenConsoleCmdline('od.debug'), 'od.debug console=tty0');
});

test('isolinux.cfg: serial mirror, menu, timeout in tenths, one LABEL per entry', () => {
  const text = isolinuxConfig(bootMenu(CMDLINE, '1.2.3'));
  assert.match(text, /^SERIAL 0 115200$/m);
  assert.match(text, /^UI menu\.c32$/m);
  assert.match(text, /^TIMEOUT 50$/m);
  assert.match(text, /^DEFAULT only-docker$/m);
  assert.equal(text.match(/^LABEL /gm)?.length, 3);
  assert.match(text, /LABEL format-disk\n {2}MENU LABEL only-docker \(prepare a blank disk \/dev\/sda as DOCKER\)\n {2}LINUX \/boot\/vmlinuz\n {2}INITRD \/boot\/initrd\.img\n {2}APPEND console=tty0 console=ttyS0,115200 od\.disk\.format=\/dev\/sda\n/);
});

test('grub.cfg has the same entries; the early config finds the ISO by its marker file', () => {
  const text = grubConfig(bootMenu(CMDLINE, '1.2.3'));
  assert.match(text, /^set timeout=5$/m);
  assert.match(text, /^if serial --unit=0 --speed=115200; then\n {2}terminal_input --append serial\n {2}terminal_output --append serial\nfi$/m);
  assert.equal(text.match(/^menuentry /gm)?.length, 3);
  assert.match(text, /menuentry "only-docker" --id only-docker \{\n {2}linux \/boot\/vmlinuz console=tty0 console=ttyS0,115200\n {2}initrd \/boot\/initrd\.img\n\}/);
  assert.match(grubEarlyConfig(), /^search --no-floppy --file --set=root \/boot\/only-docker\.id$/m);
});

test('a command line that would break the loaders\' syntax is refused', () => {
  assert.throws(() => grubConfig(bootMenu('console=ttyS0 x="a b"', '1')), BootMenuError);
  const menu = { title: 't', timeoutSeconds: 1, entries: [{ id: 'x', title: 'x', cmdline: 'console=ttyS0\nLABEL y' }] };
  assert.throws(() => isolinuxConfig(menu), BootMenuError);
  // bootMenu itself folds whitespace, newlines included, into single spaces.
  assert.equal(bootMenu(' console=ttyS0\n od.debug ', '1').entries[0]!.cmdline, 'console=ttyS0 od.debug');
});
