import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProblem, parseConfig } from './options.ts';

test('od.storage.driver, od.bridge, od.bip and od.log parse into typed values', () => {
  const { config, problems } = parseConfig('console=ttyS0 od.storage.driver=vfs od.bridge=br-od od.bip=172.30.0.1/24 od.log=both');
  assert.deepEqual(problems, []);
  assert.equal(config.dockerd.storageDriver, 'vfs');
  assert.equal(config.dockerd.bridge, 'br-od');
  assert.deepEqual(config.dockerd.bip, { ip: '172.30.0.1', prefix: 24 });
  assert.equal(config.log, 'both');
});

test('the defaults: dockerd chooses its driver and bridge, logs follow od.debug', () => {
  const { config } = parseConfig('quiet');
  assert.equal(config.dockerd.storageDriver, null);
  assert.equal(config.dockerd.bridge, null);
  assert.equal(config.dockerd.bip, null);
  assert.equal(config.log, null);
});

test('bad values are reported with the reason and the default stays', () => {
  const { config, problems } = parseConfig(
    'od.storage.driver=overlay3 od.bridge=docker0 od.bip=172.30.0.0/24 od.log=syslog od.bip=garbage',
  );
  assert.equal(config.dockerd.storageDriver, null);
  assert.equal(config.dockerd.bridge, null);
  assert.equal(config.dockerd.bip, null);
  assert.equal(config.log, null);
  const lines = problems.map(describeProblem);
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^bad value od\.storage\.driver="overlay3": expected one of overlay2, .*vfs.*; using the default \(dockerd's choice\)$/);
  assert.match(lines[1]!, /od\.bridge="docker0": docker0 is the bridge dockerd makes itself/);
  assert.match(lines[2]!, /od\.bip="172\.30\.0\.0\/24": that is the network or broadcast address/);
  assert.match(lines[3]!, /od\.log="syslog": expected one of file, console, both; using the default \(file, both with od\.debug\)/);
  assert.match(lines[4]!, /od\.bip="garbage": expected the bridge address with its prefix/);
});

test('bridge names and addresses at the edges', () => {
  assert.equal(parseConfig('od.bridge=br0123456789abc').config.dockerd.bridge, 'br0123456789abc');
  assert.equal(parseConfig('od.bridge=br0123456789abcd').problems.length, 1, '16 characters is too long');
  assert.equal(parseConfig('od.bridge=0br').problems.length, 1);
  assert.equal(parseConfig('od.bridge').problems[0]?.kind, 'invalid');
  assert.deepEqual(parseConfig('od.bip=10.1.2.254/24').config.dockerd.bip, { ip: '10.1.2.254', prefix: 24 });
  for (const bad of ['10.1.2.255/24', '10.1.2.3/31', '10.1.2.3/7', '300.1.2.3/24', '10.1.2.3', '10.1.2.3/24/1']) {
    assert.equal(parseConfig(`od.bip=${bad}`).problems.length, 1, bad);
  }
});

test('a later bad value resets an earlier good one to the default', () => {
  const { config, problems } = parseConfig('od.log=console od.log=loud');
  assert.equal(config.log, null);
  assert.equal(problems.length, 1);
});
