// od.swarm.* on the command line, merged with the configuration file's swarm: into config.swarm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProblem, parseConfig } from './options.ts';
import { effectiveConfigJson } from './effective-config.ts';
import { mergeUserConfigLayers } from './user-config/merge-user-config.ts';
import { parseUserConfig } from './user-config/parse-user-config.ts';
import { mergeSwarmConfig, noSwarmOptions } from './swarm-options.ts';

const fromFile = (text: string) => mergeUserConfigLayers([parseUserConfig(text, 'fw_cfg').config]);

test('no swarm anywhere: null; the file alone: the file', () => {
  assert.equal(parseConfig('').config.swarm, null);
  assert.deepEqual(parseConfig('', fromFile('swarm: { init: true, advertise: eth1, labels: { zone: a } }\n')).config.swarm, {
    init: true,
    advertise: 'eth1',
    labels: { zone: 'a' },
    notes: [],
  });
});

test('the command line alone: init, or join with its token', () => {
  assert.deepEqual(parseConfig('od.swarm.init od.swarm.advertise=eth1').config.swarm, { init: true, advertise: 'eth1', notes: [] });
  assert.deepEqual(parseConfig('od.swarm.join=10.9.0.11:2377 od.swarm.token=SWMTKN-1-x').config.swarm, {
    join: { address: '10.9.0.11:2377', token: 'SWMTKN-1-x' },
    notes: [],
  });
});

test('the command line wins over the file, part by part', () => {
  const file = fromFile('swarm: { join: { address: "10.9.0.11:2377", token: old }, advertise: eth0, labels: { zone: a } }\n');
  assert.deepEqual(parseConfig('od.swarm.token=new od.swarm.advertise=10.9.0.12', file).config.swarm, {
    join: { address: '10.9.0.11:2377', token: 'new' },
    advertise: '10.9.0.12',
    labels: { zone: 'a' },
    notes: [],
  });
  // The file's token goes with the command line's manager.
  assert.deepEqual(parseConfig('od.swarm.join=10.9.0.13:2377', file).config.swarm?.join, { address: '10.9.0.13:2377', token: 'old' });
  assert.deepEqual(parseConfig('od.swarm.init', file).config.swarm, { init: true, advertise: 'eth0', labels: { zone: 'a' }, notes: [] });
  const initFile = fromFile('swarm: { init: true }\n');
  assert.deepEqual(parseConfig('od.swarm.init=0', initFile).config.swarm, { notes: [] });
});

test('what cannot be used is said, not guessed', () => {
  const both = parseConfig('od.swarm.init od.swarm.join=10.9.0.11:2377 od.swarm.token=t').config.swarm;
  assert.deepEqual(both?.join, { address: '10.9.0.11:2377', token: 't' });
  assert.equal(both?.init, undefined);
  assert.match(both?.notes[0] ?? '', /^od\.swarm\.init ignored: od\.swarm\.join is given too/);
  assert.deepEqual(mergeSwarmConfig(null, { ...noSwarmOptions, join: '10.9.0.11:2377' }), {
    notes: ['od.swarm.join=10.9.0.11:2377 ignored: no join token (od.swarm.token, or swarm.join.token in the configuration)'],
  });
  assert.match(mergeSwarmConfig(null, { ...noSwarmOptions, token: 't' })?.notes[0] ?? '', /^od\.swarm\.token ignored: there is no swarm to join/);
});

test('bad values are reported like every option; the token is never shown', () => {
  const { problems } = parseConfig('od.swarm.join=nowhere od.swarm.advertise=eth1:x od.swarm.token');
  assert.deepEqual(problems.map(describeProblem), [
    'bad value od.swarm.join="nowhere": expected host:port, e.g. 10.0.2.15:2377; using the default (the configuration file decides)',
    'bad value od.swarm.advertise="eth1:x": expected an interface or an IPv4 address, with :PORT or without, e.g. eth1 or 10.9.0.11; using the default (the configuration file, else od.net.interface)',
    'bad value od.swarm.token: needs a value: a join token (docker swarm join-token -q worker); using the default (none)',
  ]);
  const shown = JSON.parse(effectiveConfigJson(parseConfig('od.swarm.join=10.9.0.11:2377 od.swarm.token=SWMTKN-1-secret').config)) as {
    options: Record<string, string>;
    swarm: unknown;
  };
  assert.equal(shown.options['od.swarm.token'], '(redacted)');
  assert.deepEqual(shown.swarm, { join: { address: '10.9.0.11:2377', token: '(redacted)' } });
});
