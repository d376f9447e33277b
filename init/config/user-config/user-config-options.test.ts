// The user configuration's od: options through the option table, under the kernel command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProblem, parseConfig } from '../options.ts';
import { effectiveConfigJson } from '../effective-config.ts';
import { mergeUserConfigLayers } from './merge-user-config.ts';
import { parseUserConfig } from './parse-user-config.ts';

const userConfig = (text: string) => mergeUserConfigLayers([parseUserConfig(text, 'fw_cfg:user-data').config]);

test('od keys flow into the option table; the kernel command line overrides the file', () => {
  const user = userConfig('hostname: node1\nod: { debug: true, dhcp.timeout: 20, net: { dns: [10.0.2.3] } }\n');
  const fromFile = parseConfig('console=ttyS0', user);
  assert.deepEqual(fromFile.problems, []);
  assert.equal(fromFile.config.hostname, 'node1');
  assert.equal(fromFile.config.debug, true);
  assert.equal(fromFile.config.net.dhcpTimeoutMs, 20_000);
  assert.deepEqual(fromFile.config.net.dns, ['10.0.2.3']);
  assert.equal(fromFile.config.user, user);

  const overridden = parseConfig('od.hostname=box od.debug=0 od.dhcp.timeout=5', user);
  assert.equal(overridden.config.hostname, 'box');
  assert.equal(overridden.config.debug, false);
  assert.equal(overridden.config.net.dhcpTimeoutMs, 5000);
});

test("od in the file wins over the same file's hostname:", () => {
  assert.equal(parseConfig('', userConfig('od: { hostname: from-od }\nhostname: plain\n')).config.hostname, 'from-od');
});

test('a problem with a file option names its source, line and column; the default is used', () => {
  const { config, problems } = parseConfig('', userConfig('od:\n  dhcp.timeout: soon\n  dhcp.timeot: 20\n'));
  assert.equal(config.net.dhcpTimeoutMs, 30_000);
  assert.deepEqual(problems.map(describeProblem), [
    'config fw_cfg:user-data line 2 column 3: bad value od.dhcp.timeout="soon": expected a number of seconds, e.g. 90 or 90s; using the default (30s)',
    'config fw_cfg:user-data line 3 column 3: unknown option od.dhcp.timeot="20" ignored',
  ]);
  assert.equal(problems[1]?.source, 'fw_cfg:user-data line 3 column 3');
});

test('effectiveConfigJson: every option with its effective value, no file content, the swarm token redacted', () => {
  const user = userConfig(`od: { dhcp.timeout: 20 }
files: [{ path: /etc/secret, content: "p4ssw0rd", mode: "600" }]
ssh: { authorized_keys: ["ssh-ed25519 AAAAC3Nza me@laptop", "ssh-rsa AAAAB3Nza"] }
swarm: { join: { address: "10.0.2.15:2377", token: SWMTKN-1-secret }, advertise: eth0 }
`);
  const json = effectiveConfigJson(parseConfig('od.debug', user).config);
  assert.ok(!json.includes('SWMTKN-1-secret') && !json.includes('p4ssw0rd') && !json.includes('AAAAC3Nza'), json);
  const shown = JSON.parse(json) as Record<string, unknown> & { options: Record<string, string> };
  assert.equal(shown.options['od.debug'], 'true');
  assert.equal(shown.options['od.dhcp.timeout'], '20s');
  assert.equal(shown.options['od.disk.timeout'], '10s');
  assert.equal(Object.keys(shown.options).length, 26);
  assert.equal(shown.hostname, 'only-docker');
  assert.deepEqual(shown.files, [{ path: '/etc/secret', mode: '0600', encoding: 'text', contentBytes: 8 }]);
  assert.deepEqual(shown.ssh, { authorizedKeys: 2, comments: ['me@laptop'] });
  assert.deepEqual(shown.swarm, { join: { address: '10.0.2.15:2377', token: '(redacted)' }, advertise: 'eth0' });
  assert.deepEqual(shown.sources, ['fw_cfg:user-data']);
});
