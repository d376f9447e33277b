import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { chooseBackend, iptablesCommands, linkBackend, multiBinaries } from './iptables-backend.ts';

test('nf_tables when it answers, legacy only when nf_tables does not and legacy does', () => {
  assert.equal(chooseBackend('detect', () => true).backend, 'nft');
  assert.equal(chooseBackend('detect', (b) => b === 'legacy').backend, 'legacy');
  assert.match(chooseBackend('detect', () => false).why, /neither/);
});

test('DOCKER_IPTABLES_LEGACY decides without probing', () => {
  const never = () => assert.fail('probed');
  assert.equal(chooseBackend('legacy', never).backend, 'legacy');
  assert.equal(chooseBackend('nft', never).backend, 'nft');
});

test('links every iptables command to the chosen binary, replacing earlier links', (t) => {
  const dir = tempDir(t, 'od-iptables-');
  symlinkSync(multiBinaries.nft, join(dir, 'iptables'));
  linkBackend('legacy', dir);
  for (const command of iptablesCommands) assert.equal(readlinkSync(join(dir, command)), multiBinaries.legacy);
});
