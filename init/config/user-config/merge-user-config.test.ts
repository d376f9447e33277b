import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeUserConfigLayers } from './merge-user-config.ts';
import { parseUserConfig } from './parse-user-config.ts';
import { emptyUserConfig } from './user-config.ts';

const layer = (text: string, source: string) => {
  const { config, problems } = parseUserConfig(text, source);
  assert.deepEqual(problems, [], source);
  return config;
};

test('no layers: the empty configuration', () => {
  assert.deepEqual(mergeUserConfigLayers([]), emptyUserConfig());
});

test('later layers win: scalars, maps per key, services by name, files by path, keys united, servers replaced', () => {
  const image = layer(
    `hostname: first
docker: { daemon: { debug: true, log-opts: { max-size: 10m } }, env: { A: "1", B: "1" } }
services: [{ name: web, image: nginx }, { name: db, image: postgres }]
files: [{ path: /etc/a, content: old }, { path: /etc/b }]
ssh: { authorized_keys: ["ssh-ed25519 AAAA one", "ssh-ed25519 BBBB two"] }
ntp: { servers: [a.example] }
swarm: { init: true }
interfaces: [{ name: eth1, address: 10.9.0.11/24 }, { name: eth2, address: 10.8.0.1/16 }]
od: { debug: true }
`,
    'image',
  );
  const disk = layer(
    `docker: { daemon: { log-opts: { max-file: "3" } }, env: { B: "2" } }
services: [{ name: db, image: "postgres:16" }, { name: cache, image: redis }]
files: [{ path: /etc/a, content: new }]
ssh: { authorized_keys: ["ssh-ed25519 BBBB two", "ssh-ed25519 CCCC three"] }
ntp: { servers: [b.example] }
swarm: { join: { address: "10.0.0.1:2377", token: t } }
interfaces: [{ name: eth1, address: 10.9.0.12/24, mtu: 1400 }]
od: { debug: false }
`,
    'disk',
  );
  const merged = mergeUserConfigLayers([image, disk]);
  assert.equal(merged.hostname, 'first', 'a layer without a hostname keeps the earlier one');
  assert.deepEqual(merged.docker, { daemon: { debug: true, 'log-opts': { 'max-size': '10m', 'max-file': '3' } }, env: { A: '1', B: '2' } });
  assert.deepEqual(merged.services.map((s) => [s.name, s.image]), [['web', 'nginx'], ['db', 'postgres:16'], ['cache', 'redis']]);
  assert.deepEqual(merged.files.map((f) => [f.path, f.content]), [['/etc/a', 'new'], ['/etc/b', '']]);
  assert.deepEqual(merged.ssh.authorizedKeys, ['ssh-ed25519 AAAA one', 'ssh-ed25519 BBBB two', 'ssh-ed25519 CCCC three']);
  assert.deepEqual(merged.ntp.servers, ['b.example']);
  assert.deepEqual(merged.swarm, { join: { address: '10.0.0.1:2377', token: 't' } });
  assert.deepEqual(merged.interfaces.map((i) => [i.name, i.address.ip, i.mtu]), [['eth1', '10.9.0.12', 1400], ['eth2', '10.8.0.1', undefined]], 'by name');
  assert.deepEqual(merged.od.map((p) => [p.key, p.value]), [['od.hostname', 'first'], ['od.debug', true], ['od.debug', '0']]);
  assert.deepEqual(merged.sources, ['image', 'disk']);
});

test('merging copies: changing the result leaves the layers alone', () => {
  const only = layer('ntp: { servers: [a.example] }\nssh: { authorized_keys: ["ssh-ed25519 AAAA one"] }\n', 'one');
  const merged = mergeUserConfigLayers([only]);
  merged.ntp.servers?.push('b.example');
  merged.ssh.authorizedKeys.push('x');
  assert.deepEqual(only.ntp?.servers, ['a.example']);
  assert.deepEqual(only.ssh?.authorizedKeys, ['ssh-ed25519 AAAA one']);
});
