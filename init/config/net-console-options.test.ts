import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, describeProblem, parseConfig } from './options.ts';

test('static network options parse into typed values', () => {
  const { config, problems } = parseConfig(
    'console=ttyS0 od.net.address=10.0.2.15/24 od.net.gateway=10.0.2.2 od.net.dns=10.0.2.3,1.1.1.1 od.net.interface=ens3',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(config.net, {
    dhcp: true,
    dhcpTimeoutMs: 30000,
    interface: 'ens3',
    address: { ip: '10.0.2.15', prefix: 24 },
    gateway: '10.0.2.2',
    dns: ['10.0.2.3', '1.1.1.1'],
  });
});

test('od.dhcp and od.dhcp.timeout', () => {
  assert.equal(parseConfig('od.dhcp=off').config.net.dhcp, false);
  assert.equal(parseConfig('od.dhcp').config.net.dhcp, true);
  assert.equal(parseConfig('od.dhcp.timeout=5').config.net.dhcpTimeoutMs, 5000);
  assert.equal(parseConfig('od.dhcp.timeout=2.5s').config.net.dhcpTimeoutMs, 2500);
});

test('bad network values are reported and the defaults used', () => {
  const { config, problems } = parseConfig(
    'od.net.address=10.0.2.15 od.net.gateway=10.0.2 od.net.dns=10.0.2.3,nameserver od.net.interface=eth0/1 od.dhcp=maybe od.dhcp.timeout=0',
  );
  assert.deepEqual(config.net, defaultConfig.net);
  assert.deepEqual(
    problems.map((p) => describeProblem(p)),
    [
      'bad value od.net.address="10.0.2.15": expected an IPv4 address with its prefix length, e.g. 10.0.2.15/24; using the default (none, DHCP)',
      'bad value od.net.gateway="10.0.2": expected an IPv4 address, e.g. 10.0.2.2; using the default (none)',
      'bad value od.net.dns="10.0.2.3,nameserver": expected IP addresses separated by commas, e.g. 10.0.2.3,1.1.1.1; using the default (none)',
      'bad value od.net.interface="eth0/1": an interface name is 1-15 letters, digits, dots, dashes or underscores, e.g. eth0 (or auto); using the default (eth0)',
      'bad value od.dhcp="maybe": expected a flag: 1/0, true/false, yes/no, on/off; using the default (on)',
      'bad value od.dhcp.timeout="0": at least 1 second; using the default (30s)',
    ],
  );
});

test('address edge cases: prefix range, octets, more than three name servers', () => {
  for (const bad of ['10.0.2.15/33', '10.0.2.256/24', '10.0.2.15/24/1', '10.0.2.15/', 'fe80::1/64']) {
    const { config, problems } = parseConfig(`od.net.address=${bad}`);
    assert.equal(config.net.address, null, bad);
    assert.equal(problems.length, 1, bad);
  }
  assert.deepEqual(parseConfig('od.net.address=192.168.1.7/0').config.net.address, { ip: '192.168.1.7', prefix: 0 });
  const { problems } = parseConfig('od.net.dns=1.1.1.1,8.8.8.8,9.9.9.9,10.0.0.1');
  assert.match(describeProblem(problems[0]!), /at most 3 name servers/);
  assert.deepEqual(parseConfig('od.net.dns=2001:4860:4860::8888').config.net.dns, ['2001:4860:4860::8888']);
});

test('od.console: a list of terminals, tty0 read as tty1, none for no console', () => {
  assert.deepEqual(parseConfig('od.console=ttyS0,tty1').config.console.terminals, ['ttyS0', 'tty1']);
  assert.deepEqual(parseConfig('od.console=tty0,tty1,hvc0').config.console.terminals, ['tty1', 'hvc0']);
  assert.deepEqual(parseConfig('od.console=none').config.console.terminals, []);
  assert.equal(parseConfig('console=tty0').config.console.terminals, null);
  const { config, problems } = parseConfig('od.console=ttyS0,/dev/tty1');
  assert.equal(config.console.terminals, null);
  assert.match(describeProblem(problems[0]!), /^bad value od\.console="ttyS0,\/dev\/tty1": expected terminal names .*using the default \(the kernel's console= terminals\)$/);
});

test('od.console.image: image references', () => {
  for (const good of ['debian', 'debian:bookworm', 'ghcr.io/me/console:1.2', 'localhost:5000/a_b/c-d:latest', `alpine@sha256:${'a'.repeat(64)}`]) {
    assert.equal(parseConfig(`od.console.image=${good}`).config.console.image, good, good);
  }
  for (const bad of ['Debian', 'debian:', ':tag', 'a b', 'debian::x']) {
    const { config, problems } = parseConfig(`od.console.image="${bad}"`);
    assert.equal(config.console.image, null, bad);
    assert.equal(problems.length, 1, bad);
  }
});

test('parsed configs do not share arrays with the defaults', () => {
  const { config } = parseConfig('od.net.dns=10.0.2.3');
  config.net.dns.push('1.1.1.1');
  assert.deepEqual(defaultConfig.net.dns, []);
  assert.deepEqual(parseConfig('').config.net.dns, []);
});
