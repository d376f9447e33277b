import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, describeProblem, parseConfig } from './options.ts';
import { emptyUserConfig } from './user-config/user-config.ts';

const cmdline = (s: string) => `BOOT_IMAGE=/vmlinuz console=ttyS0 ${s}\n`;

test('no od.* options gives the defaults and no problems', () => {
  const { config, problems } = parseConfig(cmdline('quiet'));
  assert.deepEqual(config, {
    debug: false,
    hostname: 'only-docker',
    disk: { timeoutMs: 10000, format: null, settleMs: 1500 },
    shutdown: { timeoutMs: 10000 },
    dockerd: { args: [], timeoutMs: 120000, storageDriver: null, bridge: null, bip: null },
    log: null,
    net: { dhcp: true, dhcpTimeoutMs: 30000, interface: 'eth0', address: null, gateway: null, dns: [] },
    console: { terminals: null, image: null },
    remote: { tls: false, insecure: false },
    swarmOptions: { init: null, join: null, token: null, advertise: null },
    swarm: null,
    kernel: { consoles: ['ttyS0'], logLevelChosen: true },
    user: emptyUserConfig(),
  });
  assert.deepEqual(problems, []);
});

test('typed values from flags, quoted args and seconds', () => {
  const { config, problems } = parseConfig(
    cmdline(`od.debug od.hostname=box-1 od.dockerd.args="--debug --label 'a b'" od.dockerd.timeout=90s`),
  );
  assert.deepEqual(problems, []);
  assert.equal(config.debug, true);
  assert.equal(config.hostname, 'box-1');
  assert.deepEqual(config.dockerd.args, ['--debug', '--label', 'a b']);
  assert.equal(config.dockerd.timeoutMs, 90000);
});

test('flag spellings', () => {
  for (const [raw, expected] of [['od.debug=1', true], ['od.debug=off', false], ['od.debug=YES', true], ['od.debug=0', false]] as const) {
    assert.equal(parseConfig(raw).config.debug, expected, raw);
  }
});

test('a bad value is reported with key, value and reason, and the default is used', () => {
  const { config, problems } = parseConfig(cmdline('od.dockerd.timeout=soon od.hostname=-bad- od.debug=maybe'));
  assert.equal(config.dockerd.timeoutMs, defaultConfig.dockerd.timeoutMs);
  assert.equal(config.hostname, 'only-docker');
  assert.equal(config.debug, false);
  assert.equal(problems.length, 3);
  const [timeout, host, debug] = problems;
  assert.equal(timeout?.kind, 'invalid');
  assert.equal(timeout?.key, 'od.dockerd.timeout');
  assert.equal(timeout?.value, 'soon');
  assert.match(describeProblem(timeout!), /^bad value od\.dockerd\.timeout="soon": expected a number of seconds.*using the default \(120s\)$/);
  assert.match(describeProblem(host!), /od\.hostname="-bad-": a host name is/);
  assert.match(describeProblem(debug!), /od\.debug="maybe": expected a flag/);
});

test('out-of-range and missing values', () => {
  const { problems } = parseConfig('od.dockerd.timeout=0 od.hostname od.dockerd.args');
  assert.deepEqual(
    problems.map((p) => p.kind === 'invalid' && [p.key, p.reason]),
    [
      ['od.dockerd.timeout', 'at least 1 second'],
      ['od.hostname', 'needs a value: a host name'],
      ['od.dockerd.args', 'needs a value: dockerd arguments'],
    ],
  );
});

test('a later bad value resets an earlier good one to the default', () => {
  const { config } = parseConfig('od.hostname=first od.hostname=in_valid');
  assert.equal(config.hostname, 'only-docker');
  assert.equal(parseConfig('od.hostname=first od.hostname=second').config.hostname, 'second');
});

test('unterminated single quote in dockerd args', () => {
  const { config, problems } = parseConfig(`od.dockerd.args="--label 'x"`);
  assert.deepEqual(config.dockerd.args, []);
  assert.match(describeProblem(problems[0]!), /unterminated single quote; using the default \(none\)/);
});

test('unknown od.* keys are reported, other keys are not', () => {
  const { problems } = parseConfig(cmdline('od.dsik=/dev/sda od.verbose foo=bar'));
  assert.deepEqual(problems, [
    { kind: 'unknown', key: 'od.dsik', value: '/dev/sda' },
    { kind: 'unknown', key: 'od.verbose', value: true },
  ]);
  assert.equal(describeProblem(problems[0]!), 'unknown option od.dsik="/dev/sda" ignored');
  assert.equal(describeProblem(problems[1]!), 'unknown option od.verbose ignored');
});

test('parsing never shares arrays with the defaults', () => {
  const a = parseConfig('').config;
  a.dockerd.args.push('x');
  assert.deepEqual(parseConfig('').config.dockerd.args, []);
  assert.deepEqual(defaultConfig.dockerd.args, []);
});
