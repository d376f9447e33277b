import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostKeyReport, sshFingerprint } from './host-key-report.ts';

// What dropbear 2025.89 (Debian 13) wrote for two new keys: dropbearkey's own
// fingerprints are the reference for ours.
const firstBoot = [
  'Generating 256 bit ed25519 key, this may take a while...',
  'Public key portion is:',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMTWGjKvv7nreqHIPcTd/GNtwqUG3XHqprtnka2jClWS root@vm',
  'Fingerprint: SHA256:bRGXQwr5ITf9QQJ+ISuoJ0d7Kv8YNXHrm+b8vl1dUT0',
  'Generating 256 bit ecdsa key, this may take a while...',
  'Public key portion is:',
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBB+W+K5bRSmispWLUB11DvoJJA2ZUwouJ1pdRBWTRBRW0mgIxRRJLFgk5l89NMPAECn0/inaw5OkmKVxnPZhr8I= root@vm',
  'Fingerprint: SHA256:dKqYPUwkB1ftnNfxlA0ehApE45FrJy8ygIcZzAPf4Z8',
  'only-docker-ssh: host keys ready',
  '[21660] Dec 02 06:51:21 Not backgrounding',
];

test('the host keys of a report, with the fingerprints OpenSSH and dropbearkey show', () => {
  assert.deepEqual(parseHostKeyReport(firstBoot), [
    { type: 'ssh-ed25519', fingerprint: 'SHA256:bRGXQwr5ITf9QQJ+ISuoJ0d7Kv8YNXHrm+b8vl1dUT0' },
    { type: 'ecdsa-sha2-nistp256', fingerprint: 'SHA256:dKqYPUwkB1ftnNfxlA0ehApE45FrJy8ygIcZzAPf4Z8' },
  ]);
  assert.equal(sshFingerprint('AAAAC3NzaC1lZDI1NTE5AAAAIHKf6ScPTPmKzf2n7KsFF66MkvHA/chnb0Oo4FKujp/n'), 'SHA256:KExd61dEpS0kDpUOAgOcjpuZZCaGqxBC7IpwthjKotk');
});

test('no report before the ready line; after a restart only the last run counts', () => {
  assert.equal(parseHostKeyReport(firstBoot.slice(0, 8)), undefined);
  assert.equal(parseHostKeyReport([]), undefined);
  const restarted = [...firstBoot, 'Public key portion is:', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHKf6ScPTPmKzf2n7KsFF66MkvHA/chnb0Oo4FKujp/n root@vm', 'only-docker-ssh: host keys ready\r'];
  assert.deepEqual(parseHostKeyReport(restarted), [{ type: 'ssh-ed25519', fingerprint: 'SHA256:KExd61dEpS0kDpUOAgOcjpuZZCaGqxBC7IpwthjKotk' }]);
});
