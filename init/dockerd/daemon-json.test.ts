import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonKeyOf, daemonSetsLogging, planDaemonJson } from './daemon-json.ts';

test('daemonKeyOf: the daemon.json key of a flag, its short and plural forms', () => {
  assert.equal(daemonKeyOf('--storage-driver'), 'storage-driver');
  assert.equal(daemonKeyOf('--bip=172.30.0.1/24'), 'bip');
  assert.equal(daemonKeyOf('-H'), 'hosts');
  assert.equal(daemonKeyOf('--host=tcp://0.0.0.0:2376'), 'hosts');
  assert.equal(daemonKeyOf('--log-opt'), 'log-opts');
  assert.equal(daemonKeyOf('--registry-mirror'), 'registry-mirrors');
  assert.equal(daemonKeyOf('-D'), 'debug');
  assert.equal(daemonKeyOf('max-size=10m'), undefined);
  assert.equal(daemonKeyOf('/run/x.sock'), undefined);
});

test('planDaemonJson: keys no flag sets go into the file', () => {
  const plan = planDaemonJson({ 'registry-mirrors': ['https://mirror.example:5000'], features: { buildkit: true } }, ['--containerd', '/run/c.sock']);
  assert.deepEqual(plan, { file: { 'registry-mirrors': ['https://mirror.example:5000'], features: { buildkit: true } }, notes: [] });
});

test('planDaemonJson: a key the command line sets is left out and named, so dockerd still starts', () => {
  const plan = planDaemonJson({ 'storage-driver': 'vfs', hosts: ['tcp://0.0.0.0:2375'], debug: true }, ['-H', 'unix:///var/run/docker.sock', '--storage-driver', 'overlay2']);
  assert.deepEqual(plan.file, { debug: true });
  assert.equal(plan.notes.length, 2);
  assert.match(plan.notes[0]!, /^docker\.daemon\.storage-driver ignored: .*--storage-driver/);
  assert.match(plan.notes[1]!, /^docker\.daemon\.hosts ignored: .*-H/);
});

test('planDaemonJson: nothing to write, and a --config-file of od.dockerd.args wins over the section', () => {
  assert.deepEqual(planDaemonJson({}, ['--debug']), { file: null, notes: [] });
  assert.deepEqual(planDaemonJson({ 'storage-driver': 'vfs' }, ['--storage-driver=vfs']).file, null);
  const own = planDaemonJson({ debug: true }, ['--config-file=/etc/docker/mine.json']);
  assert.equal(own.file, null);
  assert.match(own.notes[0]!, /--config-file of its own/);
});

test('daemonSetsLogging: a log driver or log options in the file', () => {
  assert.equal(daemonSetsLogging({ 'log-opts': { 'max-size': '1m' } }), true);
  assert.equal(daemonSetsLogging({ 'log-driver': 'local' }), true);
  assert.equal(daemonSetsLogging({ debug: true }), false);
});
